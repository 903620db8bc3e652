/**
 * poison: 2 worker processes get jobs whose handlers throw what a database refuses or a client
 * may choke on (\u0000 and lone surrogates in messages, a 10 MB stack, strings, plain, circular
 * and bigint-holding objects, undefined, a symbol), and rows written by raw SQL that no insert
 * would let through (args failing the schema or not an object, an unknown kind, malformed
 * metadata and errors); then good jobs inserted after them. Every good job must complete within
 * a bound, no job may stay `running`, a new job must start within seconds, and `client.stop()`
 * must return within a bound.
 */
import { sql } from 'drizzle-orm';
import { countJobs, jobsByState, waitFor } from '../database-checks.js';
import { chaosJob, POISONS, UNKNOWN_KIND } from '../jobs.js';
import { insertJobs } from '../load.js';
import type { Scenario, ScenarioContext } from '../scenario.js';

const QUEUE = 'poison';
const EACH_POISON = 3;
const GOOD_JOBS = 100;
const POISON_MAX_ATTEMPTS = 2;
const GOOD_BOUND_MS = 20_000;
const RUNNING_BOUND_MS = 15_000;
const NEW_JOB_BOUND_MS = 5_000;
const STOP_BOUND_MS = 15_000;
/** The 10 MB stack must be cut (issue 10): anything stored past 1 MB is taken as stored whole. */
const STORED_TRACE_LIMIT = 2 ** 20;

/** Rows as River's other clients, a bug or a hand-written UPDATE could leave them (defaults: kind chaos_job, metadata {}). */
const RAW_ROWS: { what: string; args: string; metadata?: string; kind?: string; errors?: string[] }[] = [
  { what: 'args failing the schema', args: '{"ms": "soon"}' },
  { what: 'args failing the schema', args: '{"ms": -5}' },
  { what: 'args failing the schema', args: '{"ms": 1, "poison": "no-such-poison"}' },
  { what: 'args missing', args: '{}' },
  { what: 'args not an object', args: '[]' },
  { what: 'args not an object', args: '"text"' },
  { what: 'args not an object', args: 'null' },
  { what: 'unknown kind', args: '{}', kind: UNKNOWN_KIND },
  { what: 'unknown kind', args: '{"ms": 1}', kind: UNKNOWN_KIND },
  { what: 'metadata not an object', args: '{"ms": 1}', metadata: '[]' },
  { what: 'metadata not an object', args: '{"ms": 1}', metadata: '"a string"' },
  { what: 'metadata not an object', args: '{"ms": 1}', metadata: 'null' },
  { what: 'metadata with bad values', args: '{"ms": 1}', metadata: '{"snoozes": "many", "cancel_attempted_at": 5}' },
  { what: 'errors not attempt errors', args: '{"ms": 1}', errors: ['"not an object"', '42', '{"attempt": "one"}'] },
];

async function insertRawRows(ctx: ScenarioContext): Promise<number> {
  for (const row of RAW_ROWS) {
    const errors = row.errors ? sql`ARRAY[${sql.join(row.errors.map((e) => sql`${e}::jsonb`), sql`, `)}]` : sql`NULL`;
    await ctx.database.db.execute(sql`
      INSERT INTO river_job (kind, args, metadata, queue, max_attempts, errors, tags)
      VALUES (${row.kind ?? chaosJob.kind}, ${row.args}::jsonb, ${row.metadata ?? '{}'}::jsonb, ${QUEUE}, ${POISON_MAX_ATTEMPTS}, ${errors}, '{raw}')`);
  }
  return RAW_ROWS.length;
}

async function taggedStates(ctx: ScenarioContext, tag: string): Promise<Record<string, number>> {
  const { rows } = await ctx.database.db.execute(sql`SELECT state::text, count(*)::int AS n FROM river_job WHERE ${tag} = ANY(tags) GROUP BY state`);
  return Object.fromEntries((rows as { state: string; n: number }[]).map((r) => [r.state, r.n]));
}

export const poison: Scenario = {
  name: 'poison',
  summary: 'handlers throwing unstorable or non-Error values and raw rows with bad args, kinds, metadata; good jobs after them must still run',
  deadlineMs: () => GOOD_BOUND_MS + RUNNING_BOUND_MS + NEW_JOB_BOUND_MS + STOP_BOUND_MS + 30_000,
  async run(ctx) {
    const { db } = ctx.database;
    const set = ctx.workers({ name: 'poison', count: 2, respawnOnCrash: true, config: { handler: 'plain', queue: QUEUE, maxWorkers: 10, applicationName: 'chaos-worker-poison' } });
    await set.start();
    let jobs = 0;
    for (const variant of POISONS) {
      jobs += await insertJobs(ctx.database, QUEUE, EACH_POISON, () => ({ ms: 0, poison: variant }), { maxAttempts: POISON_MAX_ATTEMPTS, tags: ['poison'] });
    }
    jobs += await insertRawRows(ctx);
    jobs += await insertJobs(ctx.database, QUEUE, GOOD_JOBS, () => ({ ms: 20 }), { tags: ['good'] });
    ctx.log(`${jobs} jobs in: ${POISONS.length * EACH_POISON} poison, ${RAW_ROWS.length} raw rows, ${GOOD_JOBS} good after them`);

    const failures: string[] = [];
    const goodCompleted = async () => (await taggedStates(ctx, 'good')).completed ?? 0;
    const goodMs = await waitFor(async () => (await goodCompleted()) === GOOD_JOBS, { timeoutMs: GOOD_BOUND_MS, signal: ctx.signal });
    const good = await goodCompleted();
    if (goodMs === null) failures.push(`${GOOD_JOBS - good} of ${GOOD_JOBS} good jobs not completed within ${GOOD_BOUND_MS / 1000} s`);

    const runningMs = await waitFor(async () => (await countJobs(db, [QUEUE], 'running')) === 0, { timeoutMs: RUNNING_BOUND_MS, signal: ctx.signal });
    const running = await countJobs(db, [QUEUE], 'running');
    if (runningMs === null) failures.push(`${running} jobs still running after another ${RUNNING_BOUND_MS / 1000} s`);

    const { job: probe } = await ctx.database.client.insert(db, chaosJob, { ms: 0 }, { queue: QUEUE, tags: ['probe'] });
    jobs++;
    const probeStartMs = await waitFor(async () => {
      const { rows } = await db.execute(sql`SELECT 1 FROM chaos_attempt WHERE job_id = ${probe.id}`);
      return rows.length > 0;
    }, { timeoutMs: NEW_JOB_BOUND_MS, intervalMs: 50, signal: ctx.signal });
    if (probeStartMs === null) failures.push(`a new job did not start within ${NEW_JOB_BOUND_MS / 1000} s`);

    const { rows: sizes } = await db.execute(sql`
      SELECT coalesce(max(length(e->>'trace')), 0)::int AS trace, coalesce(max(length(e->>'error')), 0)::int AS message
      FROM river_job j, unnest(j.errors) e WHERE j.queue = ${QUEUE}`);
    const largest = sizes[0] as { trace: number; message: number };
    if (largest.trace > STORED_TRACE_LIMIT) failures.push(`a ${(largest.trace / 2 ** 20).toFixed(1)} MB stack was stored whole`);
    const states = { poison: await taggedStates(ctx, 'poison'), raw: await taggedStates(ctx, 'raw'), good: await taggedStates(ctx, 'good') };

    const stops = await set.stopAll(STOP_BOUND_MS);
    const stopMs = [...stops.values()];
    const notStopped = stopMs.filter((ms) => ms === null).length;
    if (notStopped > 0) failures.push(`client.stop() did not return within ${STOP_BOUND_MS / 1000} s in ${notStopped} of ${stopMs.length} processes`);
    return {
      jobs, lost: GOOD_JOBS - good, duplicated: null, rerun: null, stallMs: null, failures,
      details: {
        poisonJobs: POISONS.length * EACH_POISON, rawRows: RAW_ROWS.length, good: GOOD_JOBS, goodCompleted: good, goodMs,
        runningLeft: running, probeStartMs, stopMs, largestStoredTrace: largest.trace, largestStoredMessage: largest.message,
        states, all: await jobsByState(db, [QUEUE]),
      },
    };
  },
};
