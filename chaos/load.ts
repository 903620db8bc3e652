/** The jobs a scenario works: inserted through the built package's `insertMany`, as an application would. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { InsertOpts, JobArgsInput } from 'tributary-queue';
import { chaosJob } from './jobs.js';
import type { ScenarioDatabase } from './scenario-database.js';

type Args = JobArgsInput<typeof chaosJob>;
const BATCH = 500;

/** Inserts `count` jobs into `queue`, in batches; `args(i)` gives each job's args. */
export async function insertJobs(database: ScenarioDatabase, queue: string, count: number, args: (i: number) => Args, opts: InsertOpts = {}): Promise<number> {
  for (let done = 0; done < count; done += BATCH) {
    const items = Array.from({ length: Math.min(BATCH, count - done) }, (_, i) => ({ job: chaosJob, args: args(done + i), opts: { ...opts, queue } }));
    await database.client.insertMany(database.db, items);
  }
  return count;
}

export interface SteadyLoad {
  /** Stops inserting; resolves with the number of jobs inserted. */
  stop(): Promise<number>;
}

/**
 * Inserts `perSecond` jobs a second into each of `queues` (in 4 batches a second) until stopped.
 * A failed insert is logged and skipped: only stored jobs count.
 */
export function steadyLoad(database: ScenarioDatabase, queues: readonly string[], perSecond: number, args: () => Args, log: (line: string) => void): SteadyLoad {
  let running = true;
  let inserted = 0;
  const loop = (async () => {
    const tick = 250;
    let owed = 0;
    while (running) {
      const started = Date.now();
      owed += (perSecond * tick) / 1000;
      const n = Math.floor(owed);
      owed -= n;
      for (const queue of queues) {
        try {
          inserted += await insertJobs(database, queue, n, args);
        } catch (error) {
          log(`insert failed: ${(error as Error).message}`);
        }
      }
      await sleep(Math.max(0, tick - (Date.now() - started)));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return inserted;
    },
  };
}
