/**
 * Two worker sets side by side, one per handler style, each on its own queue: `plain` and
 * `completetx`. The faults that hit a database (restarts, terminated backends) hit both at once,
 * and the figures say which style survived.
 */
import { effectCounts, notCompleted, unfinishedJobs, type UnfinishedJob } from './database-checks.js';
import type { WorkerSet } from './process-pool.js';
import type { ScenarioContext } from './scenario.js';

export const HANDLERS = ['plain', 'completetx'] as const;
export const QUEUES: readonly string[] = HANDLERS;

/** Starts `count` processes per handler; a process that crashes is replaced (and counted). */
export async function startHandlerSets(ctx: ScenarioContext, count: number, maxWorkers = 10): Promise<WorkerSet[]> {
  const sets = HANDLERS.map((handler) =>
    ctx.workers({ name: handler, count, respawnOnCrash: true, config: { handler, queue: handler, maxWorkers, applicationName: `chaos-worker-${handler}` } }),
  );
  await Promise.all(sets.map((set) => set.start()));
  return sets;
}

/** Lost jobs and completeTx effects across both sets, with a failure phrase for each problem. */
export async function handlerSetFigures(
  ctx: ScenarioContext,
  drainMs: number,
): Promise<{ lost: number; duplicated: number; missing: number; unfinished: UnfinishedJob[]; failures: string[] }> {
  const { db } = ctx.database;
  const lost = await notCompleted(db, QUEUES);
  const { duplicated, missing } = await effectCounts(db, ['completetx']);
  const failures: string[] = [];
  if (lost > 0) failures.push(`${lost} jobs not completed within ${drainMs / 1000} s`);
  if (duplicated > 0) failures.push(`${duplicated} jobs with duplicated effects`);
  if (missing > 0) failures.push(`${missing} jobs completed without their effect`);
  return { lost, duplicated, missing, unfinished: lost > 0 ? await unfinishedJobs(db, QUEUES) : [], failures };
}
