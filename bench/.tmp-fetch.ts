import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import * as v from 'valibot';
import { Client, defineJob, migrate } from '../src/index.js';
import { startLocalPostgres } from '../tools/local-postgres.js';
import { createDatabase } from './database.js';
import { LimitedFetch } from '../src/flow/limited-fetch.js';
import { jobGetLimited } from '../src/sql/job-get-limited.js';
const server = await startLocalPostgres();
try {
  const url = await createDatabase(server.url, 'tmpfetch');
  await migrate({ databaseUrl: url });
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const timed = defineJob({ kind: 'timed', args: v.object({ ms: v.number() }) });
  await new Client().insertMany(drizzle(pool), Array.from({ length: 10000 }, () => ({ job: timed, args: { ms: 0 }, opts: { queue: 'limited' } })));
  await pool.query(`INSERT INTO river_queue (name) VALUES ('limited')`);
  const f = new LimitedFetch({ pool, schema: undefined, queue: 'limited', clientId: 'c', logger: console, concurrency: { globalLimit: 1500 }, rateLimit: undefined, finishedIds: () => [] });
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    const { jobs } = await f.fetch(25);
    const t1 = performance.now();
    await pool.query(`UPDATE river_job SET state='completed', finalized_at=now() WHERE id = ANY($1)`, [jobs.map((j) => j.id)]);
    if (i % 10 === 0) console.log(i, jobs.length, (t1 - t0).toFixed(2), 'ms');
  }
  const q = jobGetLimited({ schema: undefined, queue: 'limited', clientId: 'c', limit: 25, scanLimit: 25, finishedIds: [], concurrency: { globalLimit: 1500 }, rateLimit: undefined });
  const { rows } = await pool.query('EXPLAIN (ANALYZE, BUFFERS) ' + q.text, q.values);
  console.log(rows.map((r) => r['QUERY PLAN']).join('\n'));
  await pool.end();
} finally { await server.stop(); }
