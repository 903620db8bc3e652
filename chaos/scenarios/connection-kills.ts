/**
 * connection-kills: 2 plain and 2 completeTx worker processes under steady load, and every
 * second `pg_terminate_backend` on every backend of theirs (the LISTEN connections and the pool
 * connections, found by application_name), for the duration. No process may exit, no job may be
 * lost, no completeTx effect may be doubled.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { drained, jobsByState } from '../database-checks.js';
import { handlerSetFigures, QUEUES, startHandlerSets } from '../handler-sets.js';
import { randomMs } from '../jobs.js';
import { steadyLoad } from '../load.js';
import type { Scenario, ScenarioContext } from '../scenario.js';

const JOBS_PER_SECOND = 20;
const KILL_EVERY_MS = 1000;
const DRAIN_MS = 60_000;

/** Terminates every worker backend on the scenario's database (never the harness's own). */
async function terminateWorkerBackends(ctx: ScenarioContext): Promise<{ total: number; listen: number }> {
  const { rows } = await ctx.database.db.execute(sql`
    SELECT count(*)::int AS total, count(*) FILTER (WHERE query ILIKE 'LISTEN%')::int AS listen
    FROM (SELECT query, pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'chaos-worker-%') t
    WHERE terminated`);
  return rows[0] as { total: number; listen: number };
}

export const connectionKills: Scenario = {
  name: 'connection-kills',
  summary: 'every second for the duration, pg_terminate_backend on every LISTEN and pool connection of 2 plain and 2 completeTx worker processes',
  deadlineMs: (durationMs) => durationMs + DRAIN_MS + 30_000,
  async run(ctx) {
    const sets = await startHandlerSets(ctx, 2);
    const load = steadyLoad(ctx.database, QUEUES, JOBS_PER_SECOND, () => randomMs(20, 200), ctx.log);
    const end = Date.now() + ctx.durationMs;
    const terminated = { total: 0, listen: 0, rounds: 0 };
    while (Date.now() < end && !ctx.signal.aborted) {
      await sleep(KILL_EVERY_MS);
      const round = await terminateWorkerBackends(ctx).catch((error) => (ctx.log(`terminate failed: ${error.message}`), { total: 0, listen: 0 }));
      terminated.total += round.total;
      terminated.listen += round.listen;
      terminated.rounds++;
    }
    const jobs = await load.stop();
    ctx.log(`${terminated.total} backends terminated (${terminated.listen} LISTEN) in ${terminated.rounds} rounds; draining ${jobs} jobs`);
    const drainMs = await drained(ctx.database.db, QUEUES, DRAIN_MS, ctx.signal);
    const figures = await handlerSetFigures(ctx, DRAIN_MS);
    const failures = [...figures.failures];
    if (terminated.listen === 0) failures.push('no LISTEN connection was terminated');
    return {
      jobs, lost: figures.lost, duplicated: figures.duplicated, rerun: null, stallMs: null, failures,
      details: {
        terminated, drainMs, missingEffects: figures.missing, unfinished: figures.unfinished, states: await jobsByState(ctx.database.db, QUEUES),
        exitsBySet: Object.fromEntries(sets.map((s) => [s.name, s.unexpectedExits.length])),
      },
    };
  },
};
