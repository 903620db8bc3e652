/**
 * Big tables, filled fast, for the `scale` and `backlog` phases: millions of rows written by one
 * INSERT ... SELECT from generate_series on the server (no client round trips), with the table's
 * secondary indexes built after the rows rather than row by row, then VACUUM ANALYZE (what
 * autovacuum would have done to a real table by then) and a CHECKPOINT, so the drain measured
 * next does not pay for writing the fill's dirty pages out.
 */
import { statfs } from 'node:fs/promises';
import pg from 'pg';

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Runs `fill` with `table`'s indexes that back no constraint dropped, then creates them again
 * from their own definitions. One sorted build per index is several times faster than millions
 * of index insertions (10,000,000 rows: 100 s of inserts and 70 s of builds, measured here,
 * where inserting with the indexes in place took 1.4x longer already at 1,000,000 rows). A
 * freshly built index is tighter than one a long-lived queue grew; the primary key stays.
 */
async function withIndexesRebuilt(client: pg.Client, table: string, fill: () => Promise<void>): Promise<void> {
  const { rows: indexes } = await client.query<{ name: string; definition: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i
     WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
    [table],
  );
  for (const { name } of indexes) await client.query(`DROP INDEX ${name}`);
  await fill();
  // This session only: the default 64 MB spills the sorts of a 10,000,000-row build to disk.
  await client.query(`SET maintenance_work_mem = '256MB'`);
  for (const { definition } of indexes) await client.query(definition);
}

/** VACUUM ANALYZE, then a CHECKPOINT where the role may ask for one (superuser or pg_checkpoint). */
async function settle(client: pg.Client, table: string): Promise<void> {
  await client.query(`VACUUM ANALYZE ${table}`);
  await client.query('CHECKPOINT').catch(() => {});
}

/**
 * Fills a migrated Tributary database as a busy queue leaves it: `finished` jobs of the bench's
 * queue and kind (completed, 5% cancelled, 2% discarded, finalized over the last 12 hours, so
 * none is old enough for the cleaner during the run) and `scheduled` jobs due over the next days,
 * so none becomes available during the run.
 */
export async function fillTributaryFinished(url: string, finished: number, scheduled: number): Promise<void> {
  await withClient(url, async (client) => {
    await withIndexesRebuilt(client, 'river_job', async () => {
      await client.query(
        `INSERT INTO river_job (state, kind, queue, args, attempt, attempted_at, finalized_at, scheduled_at, created_at)
         SELECT s, 'noop', 'default', jsonb_build_object('i', -i), 1, now() - make_interval(secs => i % 43200 + 1),
           now() - make_interval(secs => i % 43200), now() - make_interval(secs => i % 43200 + 2), now() - make_interval(secs => i % 43200 + 2)
         FROM (SELECT i, CASE WHEN i % 50 = 0 THEN 'discarded' WHEN i % 20 = 0 THEN 'cancelled' ELSE 'completed' END::river_job_state AS s
               FROM generate_series(1, $1::int) AS i) AS g`,
        [finished],
      );
      await client.query(
        `INSERT INTO river_job (state, kind, queue, args, scheduled_at)
         SELECT 'scheduled', 'noop', 'default', jsonb_build_object('i', -i), now() + interval '1 hour' + make_interval(secs => i)
         FROM generate_series(1, $1::int) AS i`,
        [scheduled],
      );
    });
    await settle(client, 'river_job');
  });
}

/**
 * Fills a migrated Tributary database with `available` jobs of the bench's queue and kind, due
 * now, numbered -1, -2, ... (the bench's own jobs count up from 0).
 */
export async function fillTributaryBacklog(url: string, available: number): Promise<void> {
  await withClient(url, async (client) => {
    await withIndexesRebuilt(client, 'river_job', async () => {
      await client.query(
        `INSERT INTO river_job (state, kind, queue, args)
         SELECT 'available', 'noop', 'default', jsonb_build_object('i', -i) FROM generate_series(1, $1::int) AS i`,
        [available],
      );
    });
    await settle(client, 'river_job');
  });
}

/** The same backlog for graphile-worker, through its own add_jobs, 100,000 jobs a call. */
export async function fillGraphileBacklog(url: string, available: number): Promise<void> {
  await withClient(url, async (client) => {
    await withIndexesRebuilt(client, 'graphile_worker._private_jobs', async () => {
      for (let from = 1; from <= available; from += 100_000) {
        await client.query(
          `SELECT graphile_worker.add_jobs(array(
             SELECT ('noop', json_build_object('i', -i), null, null, null, null, null, null)::graphile_worker.job_spec
             FROM generate_series($1::int, $2::int) AS i))`,
          [from, Math.min(available, from + 99_999)],
        );
      }
    });
    await settle(client, 'graphile_worker._private_jobs');
  });
}

/**
 * Bytes a fill of `rows` jobs may take on the server's disk at its height: about 240 bytes a row
 * of table and indexes (measured: 2,243 MB for 10,000,000 finished jobs), with room for index
 * sorts spilling and for the WAL running past max_wal_size while checkpoints catch up.
 */
export const fillBytes = (rows: number) => rows * 400 + 2 * 2 ** 30;

/**
 * Checks that the server's data directory has `bytes` free, when the server says where it is and
 * that folder is on this machine.
 * @returns a line saying what was checked, or that it could not be; throws when there is not room.
 */
export async function checkDiskRoom(serverUrl: string, bytes: number): Promise<string> {
  const GB = (n: number) => `${(n / 2 ** 30).toFixed(1)} GB`;
  const directory = await withClient(serverUrl, async (client) => {
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    return rows[0]!.data_directory;
  }).catch(() => undefined);
  if (directory === undefined) return `could not check the disk: the server does not say where its data is`;
  const stats = await statfs(directory).catch(() => undefined);
  if (!stats) return `could not check the disk: ${directory} is not on this machine`;
  const free = stats.bavail * stats.bsize;
  if (free < bytes) {
    throw new Error(`not enough disk for the fill: ${GB(free)} free under ${directory}, ${GB(bytes)} needed (make --scale-rows or --backlog smaller)`);
  }
  return `${GB(free)} free under ${directory}, ${GB(bytes)} needed at most`;
}
