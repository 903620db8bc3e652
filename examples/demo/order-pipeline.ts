import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineJob, work, type Client } from 'tributary-queue';
import * as v from 'valibot';

// The README's order pipeline as a workflow: charge the card, then reserve each item in
// parallel (fan-out), then ship once every item is reserved (fan-in). Each task's output is
// typed by its definition's `output` schema and read by the tasks after it.

const orderId = v.pipe(v.number(), v.integer(), v.minValue(1));

export const chargeCard = defineJob({
  kind: 'charge_card',
  args: v.object({ orderId, cents: v.number() }),
  output: v.object({ chargeId: v.string() }),
});

export const reserveItem = defineJob({
  kind: 'reserve_item',
  args: v.object({ orderId, sku: v.string() }),
  output: v.object({ sku: v.string(), bin: v.string() }),
});

export const shipOrder = defineJob({
  kind: 'ship_order',
  args: v.object({ orderId, skus: v.array(v.string()) }),
  output: v.object({ tracking: v.string() }),
});

/** The pipeline's workers; they sleep a little to look like calls to a payment API, a warehouse, a carrier. */
export const pipelineWorkers = [
  work(chargeCard, async (job, { signal }) => {
    await sleep(150, undefined, { signal });
    return { chargeId: `ch_${job.args.orderId}_${job.args.cents}` };
  }),
  work(reserveItem, async (job, ctx) => {
    // By name and definition: the worker does not need the ref that wf.add returned.
    const { chargeId } = await ctx.workflow.output('charge', chargeCard);
    await sleep(100 + Math.random() * 200, undefined, { signal: ctx.signal });
    return { sku: job.args.sku, bin: `bin-${job.args.sku.length}-${chargeId.slice(-4)}` };
  }),
  work(shipOrder, async (job, ctx) => {
    const reserved = await Promise.all(job.args.skus.map((sku) => ctx.workflow.output(`reserve ${sku}`, reserveItem)));
    await sleep(100, undefined, { signal: ctx.signal });
    return { tracking: `TRK-${job.args.orderId}-${reserved.map((r) => r.bin).join('+')}` };
  }),
];

/** Inserts the pipeline for an order, in one transaction; returns the workflow's id. */
export async function insertOrderPipeline(db: NodePgDatabase, client: Client, order: { id: number; cents: number; skus: string[] }): Promise<string> {
  return db.transaction(async (tx) => {
    const wf = client.workflow({ name: `order ${order.id}` });
    const charge = wf.add('charge', chargeCard, { orderId: order.id, cents: order.cents });
    const reserved = order.skus.map((sku) => wf.add(`reserve ${sku}`, reserveItem, { orderId: order.id, sku }, { deps: [charge] }));
    wf.add('ship', shipOrder, { orderId: order.id, skus: order.skus }, { deps: reserved });
    return (await wf.insert(tx)).id;
  });
}

/** Waits until the workflow has finished (or `deadlineMs` passed), printing each task as it finishes. */
export async function followPipeline(client: Client, id: string, deadlineMs: number): Promise<void> {
  const printed = new Set<string>();
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const workflow = await client.workflowGet(id);
    if (!workflow) throw new Error(`workflow ${id} has no task`);
    for (const task of workflow.tasks) {
      if (printed.has(task.name) || !['completed', 'cancelled', 'discarded'].includes(task.job.state)) continue;
      printed.add(task.name);
      console.log(`  ${task.name.padEnd(16)} ${task.job.state.padEnd(9)} after ${task.deps.length === 0 ? 'nothing' : task.deps.join(', ')}; output ${JSON.stringify(task.job.output)}`);
    }
    if (workflow.state !== 'running') return void console.log(`workflow ${workflow.name}: ${workflow.state}`);
    if (Date.now() > deadline) throw new Error(`workflow ${id} still running after ${deadlineMs} ms`);
    await sleep(50);
  }
}
