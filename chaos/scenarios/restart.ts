/**
 * restart-immediate and restart-fast: 2 plain and 2 completeTx worker processes draining their
 * queues; mid-drain, Postgres is shut down with `pg_ctl -m immediate` (a crash: no checkpoint,
 * recovery at start) or `-m fast` (every session terminated) and started again at once. No
 * process may exit, no job may be lost; the stall is the time from the server accepting
 * connections again until each set's first completion after it.
 */
import { countJobs, drained, jobsByState, waitFor } from '../database-checks.js';
import { handlerSetFigures, HANDLERS, QUEUES, startHandlerSets } from '../handler-sets.js';
import { randomMs } from '../jobs.js';
import { insertJobs } from '../load.js';
import type { ShutdownMode } from '../postgres-control.js';
import type { Scenario, ScenarioContext } from '../scenario.js';

const JOBS_PER_QUEUE = 4000;
/** Restart once this share of each queue is done: the drain is well under way, and far from over. */
const RESTART_AT = 0.15;
const DRAIN_MS = 60_000;
/** How long each wait before the drain may take: the drain to get under way, the first completion after the restart. */
const WAIT_MS = 30_000;
/** Polling every second and a reconnect backoff of at most 5 s: a client back later than this is stuck. */
const STALL_LIMIT_MS = 15_000;

async function stallAfter(ctx: ScenarioContext, queue: string, acceptingAt: number): Promise<number | null> {
  const { db } = ctx.database;
  let baseline: number | undefined;
  const waited = await waitFor(async () => {
    const completed = await countJobs(db, [queue], 'completed');
    baseline ??= completed;
    return completed > baseline;
  }, { timeoutMs: WAIT_MS, intervalMs: 50, signal: ctx.signal });
  return waited === null ? null : Date.now() - acceptingAt;
}

function restartScenario(mode: ShutdownMode): Scenario {
  return {
    name: `restart-${mode}`,
    summary: `Postgres shut down with pg_ctl -m ${mode} and started again in the middle of a drain by 2 plain and 2 completeTx worker processes`,
    deadlineMs: () => 2 * WAIT_MS + DRAIN_MS + 30_000,
    async run(ctx) {
      const { db } = ctx.database;
      const sets = await startHandlerSets(ctx, 2);
      let jobs = 0;
      for (const queue of QUEUES) jobs += await insertJobs(ctx.database, queue, JOBS_PER_QUEUE, () => randomMs(10, 40));
      ctx.log(`${jobs} jobs inserted; restarting at ${RESTART_AT * 100}% done`);
      const underWay = await waitFor(async () => {
        for (const queue of QUEUES) if ((await countJobs(db, [queue], 'completed')) < JOBS_PER_QUEUE * RESTART_AT) return false;
        return true;
      }, { timeoutMs: WAIT_MS, intervalMs: 50, signal: ctx.signal });
      const failures: string[] = [];
      if (underWay === null) failures.push(`the drain did not reach ${RESTART_AT * 100}% within ${WAIT_MS / 1000} s`);
      const before = await jobsByState(db, QUEUES);
      if (!before.available) failures.push('no job was left waiting at the restart: the drain was over');

      const { downAt, acceptingAt } = await ctx.server.restart(mode);
      ctx.log(`server down ${acceptingAt - downAt} ms (${mode}); measuring the stall`);
      const stalls = await Promise.all(HANDLERS.map((queue) => stallAfter(ctx, queue, acceptingAt)));
      const stallMs = Object.fromEntries(HANDLERS.map((h, i) => [h, stalls[i]!]));
      for (const [set, ms] of Object.entries(stallMs)) {
        if (ms === null) failures.push(`${set}: no job completed within ${WAIT_MS / 1000} s of the restart`);
        else if (ms > STALL_LIMIT_MS) failures.push(`${set}: stall ${(ms / 1000).toFixed(1)} s > ${STALL_LIMIT_MS / 1000} s`);
      }
      const drainMs = await drained(db, QUEUES, DRAIN_MS, ctx.signal);
      const figures = await handlerSetFigures(ctx, DRAIN_MS);
      return {
        jobs, lost: figures.lost, duplicated: figures.duplicated, rerun: null, stallMs, failures: [...failures, ...figures.failures],
        details: {
          downMs: acceptingAt - downAt, atRestart: before, drainMs, missingEffects: figures.missing, unfinished: figures.unfinished, states: await jobsByState(db, QUEUES),
          exitsBySet: Object.fromEntries(sets.map((s) => [s.name, s.unexpectedExits.length])),
        },
      };
    },
  };
}

export const restartImmediate = restartScenario('immediate');
export const restartFast = restartScenario('fast');
