import { describe, expect, test } from 'vitest';
import { Client, work, type WorkContext } from '../../src/index.js';
import { startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';
import { charge, reserve, ship, step } from './workflow-jobs.js';

const t = await createTestDatabase();
const inserter = new Client();

const started = async (id: number) => (await t.query(`SELECT attempted_at FROM river_job WHERE id = $1`, [id]))[0]!.attempted_at as Date;

describe('workflow release', () => {
  test('the order pipeline: charge, then reserve each item in parallel, then ship once all are reserved, outputs passed on typed', async () => {
    const seen: string[] = [];
    await startClient(t, {
      queues: { default: { maxWorkers: 5 } },
      workers: [
        work(charge, (job) => ({ chargeId: `ch_${job.args.order}` })),
        work(reserve, async (job, ctx) => {
          const { chargeId } = await ctx.workflow.output(chargeRef);
          seen.push(`${job.args.sku} after ${chargeId}`);
          return { sku: job.args.sku, slot: job.args.sku.length };
        }),
        work(ship, async (job, ctx: WorkContext) => {
          const reserved = await Promise.all(['a', 'bb', 'ccc'].map((sku) => ctx.workflow.output(`reserve ${sku}`, reserve)));
          return { tracking: `${job.args.order}:${reserved.map((r) => r.slot).join('')}` };
        }),
      ],
    });
    const wf = inserter.workflow({ name: 'order 7' });
    const chargeRef = wf.add('charge', charge, { order: 7, amount: 42 });
    const reserves = ['a', 'bb', 'ccc'].map((sku) => wf.add(`reserve ${sku}`, reserve, { order: 7, sku }, { deps: [chargeRef] }));
    const shipRef = wf.add('ship', ship, { order: 7 }, { deps: reserves });
    const inserted = await t.db.transaction((tx) => wf.insert(tx));
    expect(inserted.jobs.map((j) => j.state)).toEqual(['available', 'pending', 'pending', 'pending', 'pending']);
    const shipJob = inserted.job(shipRef);
    const done = await waitForState(t, shipJob.id, 'completed');
    expect(done.metadata.output).toEqual({ tracking: '7:123' });
    expect(seen.sort()).toEqual(['a after ch_7', 'bb after ch_7', 'ccc after ch_7']);
    // Each layer started after the one before it finished.
    const chargeDone = (await t.query(`SELECT finalized_at FROM river_job WHERE id = $1`, [inserted.job(chargeRef).id]))[0]!.finalized_at as Date;
    for (const r of reserves) expect((await started(inserted.job(r).id)).getTime()).toBeGreaterThanOrEqual(chargeDone.getTime());
    expect(done.metadata['tributary:workflow']).toEqual({ id: wf.id, name: 'order 7', task: 'ship', deps: ['reserve a', 'reserve bb', 'reserve ccc'], dependents: [] });
  });

  test('a dependency discarded cancels its dependents down the graph; ignoreDependencyFailure runs its task anyway', async () => {
    await startClient(t, {
      queues: { default: { maxWorkers: 4 } },
      workers: [work(step, (job) => {
        if (job.args.fail) throw new Error(`${job.args.name} failed`);
        return job.args.name;
      })],
    });
    const wf = inserter.workflow({ name: 'failing' });
    const a = wf.add('a', step, { name: 'a', fail: true }, { maxAttempts: 1 });
    const b = wf.add('b', step, { name: 'b' }, { deps: [a] });
    const c = wf.add('c', step, { name: 'c' }, { deps: [b] });
    const cleanup = wf.add('cleanup', step, { name: 'cleanup' }, { deps: [a, c], ignoreDependencyFailure: true });
    const result = await wf.insert(t.db);
    await waitForState(t, result.job(a).id, 'discarded');
    const rowB = await waitForState(t, result.job(b).id, 'cancelled');
    expect(rowB.errors.at(-1).error).toMatch(/its dependency a ended discarded/);
    const rowC = await waitForState(t, result.job(c).id, 'cancelled');
    expect(rowC.errors.at(-1).error).toMatch(/its dependency b ended cancelled/);
    expect(rowC.attempt).toBe(0);
    const rowCleanup = await waitForState(t, result.job(cleanup).id, 'completed');
    expect(rowCleanup.metadata.output).toBe('cleanup');
  });

  test('a scheduled task keeps its time: released as scheduled, and runs at it', async () => {
    await startClient(t, { queues: { default: { maxWorkers: 2 } }, workers: [work(step, (job) => job.args.name)] });
    const wf = inserter.workflow();
    const a = wf.add('a', step, { name: 'a' });
    const later = new Date(Date.now() + 3_600_000);
    const b = wf.add('b', step, { name: 'b' }, { deps: [a], scheduledAt: later });
    const result = await wf.insert(t.db);
    const row = await waitForState(t, result.job(b).id, 'scheduled');
    expect(new Date(row.scheduled_at).getTime()).toBe(later.getTime());
  });

  test('completeTx releases the dependents in the worker\'s own transaction', async () => {
    await startClient(t, {
      queues: { default: { maxWorkers: 2 } },
      workers: [work(step, async (job, ctx) => {
        if (job.args.name === 'a') await t.db.transaction((tx) => ctx.client.completeTx(tx, job));
        return job.args.name;
      })],
    });
    const wf = inserter.workflow();
    const a = wf.add('a', step, { name: 'a' });
    const b = wf.add('b', step, { name: 'b' }, { deps: [a] });
    const result = await wf.insert(t.db);
    await waitForState(t, result.job(b).id, 'completed');
    expect((await waitForState(t, result.job(a).id, 'completed')).metadata.output).toBeUndefined();
  });

  test('two dependencies completing in concurrent transactions release their dependent exactly once', async () => {
    const client = new Client({ pool: t.pool });
    const wf = inserter.workflow();
    const a = wf.add('a', step, { name: 'a' });
    const b = wf.add('b', step, { name: 'b' });
    const c = wf.add('c', step, { name: 'c' }, { deps: [a, b] });
    const result = await wf.insert(t.db);
    const ids = [result.job(a).id, result.job(b).id];
    await t.query(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() WHERE id = ANY($1)`, [ids]);
    const [jobA, jobB] = await Promise.all(ids.map(async (id) => (await client.jobGet(id))!));
    // a completes in a transaction left open; b completes in another meanwhile, which must wait
    // for a's commit and then see it (without the lock, each would see the other running).
    let commitA!: () => void;
    const aOpen = new Promise<void>((resolve) => (commitA = resolve));
    let aCompleted!: () => void;
    const aDone = new Promise<void>((resolve) => (aCompleted = resolve));
    const txA = t.db.transaction(async (tx) => {
      await client.completeTx(tx, jobA!);
      aCompleted();
      await aOpen;
    });
    await aDone;
    const txB = t.db.transaction(async (tx) => void (await client.completeTx(tx, jobB!)));
    await waitFor(async () => (await t.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).length > 0, { message: 'b to wait for the workflow lock' });
    expect((await t.query(`SELECT state::text FROM river_job WHERE id = $1`, [result.job(c).id]))[0]!.state).toBe('pending');
    commitA();
    await Promise.all([txA, txB]);
    const [row] = await t.query(`SELECT state::text FROM river_job WHERE id = $1`, [result.job(c).id]);
    expect(row!.state).toBe('available');
  });

  test('a worker adds tasks to its own workflow (dynamic fan-out), committed with its completion', async () => {
    await startClient(t, {
      queues: { default: { maxWorkers: 4 } },
      workers: [work(step, (job, ctx) => {
        if (job.args.name === 'split') {
          const parts = [1, 2, 3].map((n) => ctx.workflow.add(`part ${n}`, step, { name: `part ${n}` }));
          ctx.workflow.add('join', step, { name: 'join' }, { deps: [...parts, 'split'] });
        }
        return job.args.name;
      })],
    });
    const wf = inserter.workflow({ name: 'dynamic' });
    wf.add('split', step, { name: 'split' });
    await wf.insert(t.db);
    const join = await waitFor(async () => (await t.query(`SELECT id::int, state::text FROM river_job WHERE metadata->'tributary:workflow'->>'id' = $1 AND metadata->'tributary:workflow'->>'task' = 'join' AND state = 'completed'`, [wf.id]))[0]);
    expect(join.state).toBe('completed');
    const tasks = await t.query(`SELECT metadata->'tributary:workflow'->>'task' AS task, state::text FROM river_job WHERE metadata->'tributary:workflow'->>'id' = $1 ORDER BY id`, [wf.id]);
    expect(tasks).toEqual(['split', 'part 1', 'part 2', 'part 3', 'join'].map((task) => ({ task, state: 'completed' })));
  });
});
