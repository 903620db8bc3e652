import { setTimeout as sleep } from 'node:timers/promises';
import * as v from 'valibot';
import type { Client, InsertManyItem } from '../client.js';
import { defineJob } from '../job.js';
import { work } from '../worker.js';

const welcome = defineJob({ kind: 'demo_send_welcome', args: v.object({ name: v.string() }) });
const resize = defineJob({ kind: 'demo_resize_image', args: v.object({ file: v.string(), width: v.number() }) });
const sync = defineJob({ kind: 'demo_sync_inventory', args: v.object({ supplier: v.string() }) });
const reminder = defineJob({ kind: 'demo_send_reminder', args: v.object({ name: v.string() }) });

/** How long the scheduled demo job waits before it runs. */
export const REMINDER_DELAY_MS = 15_000;
/** The failing demo job runs again this long after its first attempt. */
const SYNC_RETRY_MS = 2_000;

/** The demo's workers: they sleep a little to look like work; one fails its first attempt. */
export const demoWorkers = [
  work(welcome, async (_job, { signal }) => sleep(150, undefined, { signal })),
  work(resize, async (job, { signal }) => sleep(100 + job.args.width / 4, undefined, { signal })),
  work(
    sync,
    async (job, { signal }) => {
      if (job.attempt === 1) throw new Error(`${job.args.supplier} timed out (the demo fails the first attempt)`);
      await sleep(200, undefined, { signal });
    },
    { nextRetry: () => SYNC_RETRY_MS },
  ),
  work(reminder, async (_job, { signal }) => sleep(50, undefined, { signal })),
];

/** Inserts the demo's jobs in one statement; returns their ids. */
export async function insertDemoJobs(client: Client, db: Parameters<Client['insertMany']>[0]): Promise<number[]> {
  const items: InsertManyItem[] = [
    { job: welcome, args: { name: 'Ada' } },
    { job: welcome, args: { name: 'Grace' } },
    { job: resize, args: { file: 'cat.png', width: 800 } },
    { job: resize, args: { file: 'dog.png', width: 1600 }, opts: { priority: 2 } },
    { job: sync, args: { supplier: 'acme-supplies' } },
    { job: reminder, args: { name: 'Ada' }, opts: { scheduledAt: new Date(Date.now() + REMINDER_DELAY_MS) } },
  ];
  const results = await client.insertMany(db, items);
  return results.map((r) => r.job.id);
}
