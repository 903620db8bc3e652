/**
 * npm run bench:ui [-- --rows N]: how the UI's queries hold up on a big river_job (default one
 * million finished jobs plus 100,000 waiting ones). Fills a database of its own on DATABASE_URL
 * or an embedded Postgres (with a limited queue and a halted sequence of 50,000 waiting jobs),
 * then times each request the UI makes, through the real handler.
 * Prints a table of medians and, last, one JSON line.
 */
import { parseArgs } from 'node:util';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as v from 'valibot';
import { Client, defineJob } from '../src/index.js';
import { createUiHandler } from '../src/ui/index.js';
import { migrate } from '../src/migrate/migrate.js';
import { QueueSampler } from '../src/maintenance/queue-sampler.js';
import { queueSampleAddCounts } from '../src/sql/queue-sample.js';
import { startLocalPostgres } from '../tools/local-postgres.js';
import { createDatabase, dropDatabase } from './database.js';

const { values } = parseArgs({ options: { rows: { type: 'string' }, runs: { type: 'string' } } });
const finished = Number(values.rows ?? 1_000_000);
const runs = Number(values.runs ?? 15);
const waiting = Math.round(finished / 10);

const postgres = await startLocalPostgres();
const name = 'tributary_bench_ui';
const url = await createDatabase(postgres.url, name);
const pool = new pg.Pool({ connectionString: url, max: 4 });
try {
  await migrate({ pool });
  const started = Date.now();
  // Finished jobs as a busy queue leaves them: mostly completed, some cancelled and discarded,
  // over ten kinds and four queues, finalized over the last day.
  await pool.query(
    `INSERT INTO river_job (state, kind, queue, priority, args, attempt, attempted_at, finalized_at, scheduled_at, created_at, tags, errors)
     SELECT s, 'kind_' || (i % 10), 'queue_' || (i % 4), 1 + i % 4, jsonb_build_object('n', i, 'to', 'user' || i || '@example.com'),
       1, now() - make_interval(secs => i % 86400), now() - make_interval(secs => i % 86400), now() - make_interval(secs => i % 86400 + 1),
       now() - make_interval(secs => i % 86400 + 2), CASE WHEN i % 7 = 0 THEN '{vip}'::varchar[] ELSE '{}'::varchar[] END,
       CASE WHEN s = 'discarded' THEN ARRAY[jsonb_build_object('at', now(), 'attempt', 1, 'error', 'boom', 'trace', '')] END
     FROM (SELECT i, CASE WHEN i % 50 = 0 THEN 'discarded' WHEN i % 20 = 0 THEN 'cancelled' ELSE 'completed' END::river_job_state AS s
           FROM generate_series(1, $1::int) AS i) AS g`,
    [finished],
  );
  await pool.query(
    `INSERT INTO river_job (state, kind, queue, args, scheduled_at)
     SELECT CASE WHEN i % 10 = 0 THEN 'available' ELSE 'scheduled' END::river_job_state, 'kind_' || (i % 10), 'queue_' || (i % 4),
       jsonb_build_object('n', i), now() + make_interval(secs => i)
     FROM generate_series(1, $1::int) AS i`,
    [waiting],
  );
  await pool.query(`INSERT INTO river_queue (name) SELECT 'queue_' || i FROM generate_series(0, 3) AS i`);
  // The dashboard's samples as a day of four busy queues leaves them: a row per queue and minute for 26 hours.
  await pool.query(
    `INSERT INTO tributary_queue_sample (queue, at, completed, failed, discarded, available, scheduled, running, retryable)
     SELECT 'queue_' || q, date_trunc('minute', now()) - make_interval(mins => m), 600 + m % 50, m % 7, m % 3, 100 + m % 40, 2000, 50, m % 11
     FROM generate_series(0, 3) AS q, generate_series(0, 26 * 60 - 1) AS m`,
  );
  // A limited queue as a client records it: limits, and a rate log of 1,000 starts per partition
  // over 100 customers in the current window.
  await pool.query(
    `UPDATE river_queue SET metadata = jsonb_build_object(
       'tributary:limits', jsonb_build_object('concurrency', jsonb_build_object('globalLimit', 20, 'partition', jsonb_build_object('byArgs', jsonb_build_array('to'))),
         'rateLimit', jsonb_build_object('limit', 1000, 'period', 60000, 'partition', jsonb_build_object('byArgs', jsonb_build_array('to'))), 'clientId', 'bench', 'at', now()),
       'tributary:rate', (SELECT jsonb_object_agg('["customer' || c || '"]', (SELECT jsonb_agg(extract(epoch FROM now()) * 1000 - s * 50) FROM generate_series(1, 1000) AS s)) FROM generate_series(1, 100) AS c))
     WHERE name = 'queue_1'`,
  );
  // A halted sequence: 200 completed jobs, the discarded one halting it, and 50,000 waiting.
  const sequenceKey = 'kind=bench_step&args={"account":1}';
  await pool.query(
    `INSERT INTO river_job (state, kind, queue, args, metadata, attempt, attempted_at, finalized_at, errors)
     SELECT CASE WHEN i <= 200 THEN 'completed' WHEN i = 201 THEN 'discarded' ELSE 'pending' END::river_job_state, 'bench_step', 'queue_0',
       jsonb_build_object('account', 1, 'n', i), jsonb_build_object('tributary:sequence', jsonb_build_object('key', $1::text)),
       CASE WHEN i <= 201 THEN 1 ELSE 0 END, CASE WHEN i <= 201 THEN now() END, CASE WHEN i <= 201 THEN now() END,
       CASE WHEN i = 201 THEN ARRAY[jsonb_build_object('at', now(), 'attempt', 1, 'error', 'boom', 'trace', '')] END
     FROM generate_series(1, 50201) AS i ORDER BY i`,
    [sequenceKey],
  );
  await pool.query('VACUUM ANALYZE river_job');
  await pool.query('VACUUM ANALYZE tributary_queue_sample');
  console.log(`filled river_job with ${finished.toLocaleString('en-US')} finished and ${waiting.toLocaleString('en-US')} waiting jobs in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  const client = new Client({ pool });
  // A workflow of 1,000 tasks among the million rows (root -> 998 -> fan-in), its tasks worked
  // as far as a running workflow's would be: root completed, a quarter of the fan-out completed.
  const step = defineJob({ kind: 'bench_step', args: v.object({ n: v.number() }) });
  const wf = client.workflow({ name: 'bench fan-out' });
  const root = wf.add('root', step, { n: 0 });
  const items = Array.from({ length: 998 }, (_, i) => wf.add(`item-${i}`, step, { n: i }, { deps: [root] }));
  wf.add('fan-in', step, { n: -1 }, { deps: items });
  const inserted = await wf.insert(drizzle(pool));
  const done = inserted.jobs.slice(0, 250).map((job) => job.id);
  await pool.query(`UPDATE river_job SET state = 'completed', attempt = 1, attempted_at = now(), finalized_at = now() WHERE id = ANY($1::bigint[])`, [done]);
  // A job that failed 24 times, as the timeline draws it.
  const failed = (await pool.query(
    `INSERT INTO river_job (state, kind, args, attempt, attempted_at, attempted_by, finalized_at, errors)
     SELECT 'discarded', 'kind_1', '{}', 25, now(), array_fill('client-a'::text, ARRAY[25]), now(),
       array_agg(jsonb_build_object('at', now() - make_interval(secs => 25 - i), 'attempt', i, 'error', 'boom ' || i, 'trace', repeat('at frame\n', 20),
         'attempted_at', now() - make_interval(secs => 25 - i) - interval '200 ms', 'attempted_by', 'client-a'))
     FROM generate_series(1, 25) AS i RETURNING id`)).rows[0].id;
  await pool.query('ANALYZE river_job');
  const ui = createUiHandler(client);
  const ids = (await pool.query(`SELECT (SELECT min(id) FROM river_job)::int AS lo, (SELECT max(id) FROM river_job)::int AS hi`)).rows[0];
  const requests: Record<string, string> = {
    'state counts': '/api/states',
    'completed, newest first': '/api/jobs?state=completed',
    'completed, page 2 (cursor)': 'cursor:completed',
    'discarded (2%)': '/api/jobs?state=discarded',
    'completed of one kind': '/api/jobs?state=completed&kind=kind_3',
    'completed in one queue, vip tag': '/api/jobs?state=completed&queue=queue_1&tag=vip',
    'scheduled, soonest first': '/api/jobs?state=scheduled',
    'available': '/api/jobs?state=available',
    'by id': `/api/jobs?state=completed&id=${ids.lo + 12345}`,
    'one job': `/api/jobs/${ids.hi - 5}`,
    'one job, 25 failed attempts': `/api/jobs/${failed}`,
    'workflow of 1,000 tasks': `/api/workflows/${wf.id}`,
    'unknown workflow (404)': '/api/workflows/00000000-0000-4000-8000-000000000000',
    'queues with counts': '/api/queues',
    'dashboard, last hour': '/api/dashboard?range=hour',
    'dashboard, last day': '/api/dashboard?range=day',
    'dashboard, last day, one queue': '/api/dashboard?range=day&queue=queue_2',
    'queue limits (100 partitions)': '/api/queue-limits',
    'sequences': '/api/sequences',
    'one sequence, 50,000 waiting': `/api/sequence?${new URLSearchParams({ key: sequenceKey })}`,
  };
  const rows: { request: string; medianMs: number; p90Ms: number }[] = [];
  for (const [label, path] of Object.entries(requests)) {
    let target = path;
    if (path.startsWith('cursor:')) {
      const first = (await (await ui(new Request('http://bench/api/jobs?state=completed'))).json()) as { nextCursor: string };
      target = `/api/jobs?state=completed&cursor=${encodeURIComponent(first.nextCursor)}`;
    }
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Past the UI's one-second cache for counts, so every run counts for real.
      if (label === 'state counts' || label === 'queues with counts') await new Promise((r) => setTimeout(r, 1050));
      const at = performance.now();
      const response = await ui(new Request(`http://bench${target}`));
      await response.arrayBuffer();
      if (!response.ok && !label.includes('(404)')) throw new Error(`${label}: HTTP ${response.status}`);
      times.push(performance.now() - at);
    }
    times.sort((a, b) => a - b);
    rows.push({ request: label, medianMs: +times[Math.floor(runs / 2)]!.toFixed(1), p90Ms: +times[Math.floor(runs * 0.9)]!.toFixed(1) });
  }
  // The statements behind the figures, timed the same way: the leader's sample pass (depth of
  // the waiting jobs, then pruning) and one client's flush of its counts.
  const sampler = new QueueSampler({ pool, schema: undefined, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  const statements: Record<string, () => Promise<unknown>> = {
    'sampler pass (depth + prune)': () => sampler.runOnce(),
    'client counts flush (4 queues)': () => {
      const at = new Date(Math.floor(Date.now() / 60_000) * 60_000);
      const { text, values } = queueSampleAddCounts({ schema: undefined, counts: [0, 1, 2, 3].map((q) => ({ queue: `queue_${q}`, at, completed: 500, failed: 3, discarded: 1 })) });
      return pool.query(text, values);
    },
  };
  for (const [label, run] of Object.entries(statements)) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const at = performance.now();
      await run();
      times.push(performance.now() - at);
    }
    times.sort((a, b) => a - b);
    rows.push({ request: label, medianMs: +times[Math.floor(runs / 2)]!.toFixed(1), p90Ms: +times[Math.floor(runs * 0.9)]!.toFixed(1) });
  }
  console.log(`\n${'request'.padEnd(34)} ${'median ms'.padStart(10)} ${'p90 ms'.padStart(8)}`);
  for (const r of rows) console.log(`${r.request.padEnd(34)} ${String(r.medianMs).padStart(10)} ${String(r.p90Ms).padStart(8)}`);
  console.log(JSON.stringify({ finished, waiting, runs, requests: rows }));
} finally {
  await pool.end();
  await dropDatabase(postgres.url, name);
  await postgres.stop();
}
