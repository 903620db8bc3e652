import { randomUUID } from 'node:crypto';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as v from 'valibot';
import { afterAll, describe, expect, test } from 'vitest';
import { Client, defineJob, migrate, type DrizzleHandle, type InsertManyItem } from '../../src/index.js';
import { COPY_MIN_ROWS } from '../../src/insert/insert-jobs.js';
import { jobRowFromJson } from '../../src/job-row.js';
import { listen } from '../support/notifications.js';
import { createTestDatabase } from '../support/test-database.js';
import { nodePostgresHandle, postgresJsHandle, type DriverHandle } from './driver-handles.js';

// COPY reaches below Drizzle, into internals (tx.session.client) that may change. When they are
// not what Tributary expects, the insert must still work, through the statement. And the COPY
// path must find the tables of a named schema like the statement does.

const t = await createTestDatabase();
const BATCH = COPY_MIN_ROWS.database;
const job = defineJob({ kind: 'fallback_probe', args: v.object({ marker: v.string(), i: v.number() }) });
const items = (marker: string): InsertManyItem[] => Array.from({ length: BATCH }, (_, i) => ({ job, args: { marker, i } }));
const client = new Client();

const nodePg = nodePostgresHandle(t);
const postgresJs = postgresJsHandle(t);
afterAll(async () => {
  await postgresJs.close();
});

async function storedIn(schema: string, marker: string) {
  const rows = await t.query<{ job: string }>(`SELECT row_to_json(j)::text AS job FROM "${schema}".river_job j WHERE args->>'marker' = $1 ORDER BY id`, [marker]);
  return rows.map((r) => jobRowFromJson(JSON.parse(r.job) as Record<string, unknown>));
}

type Session = { client: unknown; logger?: unknown };

/** `handle` with its Drizzle session's client replaced: what Tributary finds below it, while `execute` still works. */
function withClient<T extends object>(handle: T, client: unknown): T {
  const real = (handle as unknown as { session: Session }).session;
  // Inherits the session's class (so it still looks like node-postgres' or postgres.js') and logger.
  const session = Object.create(real, { client: { value: client } }) as Session;
  return new Proxy(handle, {
    get(target, key) {
      if (key === 'session') return session;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Inserts a batch in a transaction through `wrap(tx)`, checks the rows, then once more rolled back. */
async function insertsThroughStatement(driver: DriverHandle, wrap: (tx: DrizzleHandle) => DrizzleHandle) {
  const marker = randomUUID();
  driver.statements.length = 0;
  const results = await driver.db.transaction((tx) => client.insertMany(wrap(tx), items(marker)));
  expect(driver.statements).not.toContain('COPY');
  expect(driver.statements).toContain('WITH'); // the statement, logged by Drizzle or by Tributary
  expect(results.map((r) => r.job)).toEqual(await storedIn('public', marker));

  const rolledBack = randomUUID();
  const boom = new Error('boom');
  await expect(driver.db.transaction(async (tx) => {
    await client.insertMany(wrap(tx), items(rolledBack));
    throw boom;
  })).rejects.toBe(boom);
  expect(await storedIn('public', rolledBack)).toEqual([]);
}

describe('when the driver is not what Tributary expects, inserts go through the statement', () => {
  test('node-postgres: a tx whose session client is not a pg client (Drizzle changed its internals)', async () => {
    await insertsThroughStatement(nodePg, (tx) => withClient(tx, { something: 'else' }));
  });

  test('node-postgres: a client without a socket to COPY through (pg-native): the statement, prepared on it', async () => {
    await insertsThroughStatement(nodePg, (tx) => {
      const real = (tx as unknown as { session: { client: pg.PoolClient } }).session.client;
      return withClient(tx, { query: real.query.bind(real), connect: () => {}, connection: {} });
    });
  });

  test('a handle with execute only (a wrapper of the application\'s own)', async () => {
    const marker = randomUUID();
    const wrapper: DrizzleHandle = { execute: (query) => nodePg.db.execute(query) };
    nodePg.statements.length = 0;
    const results = await client.insertMany(wrapper, items(marker));
    expect(nodePg.statements).toEqual(['WITH']);
    expect(results.map((r) => r.job)).toEqual(await storedIn('public', marker));
  });

  test('node-postgres on one pg.Client, not a pool: its owner may be in a transaction, so no COPY of its own', async () => {
    const single = new pg.Client({ connectionString: t.url });
    await single.connect();
    try {
      const statements: string[] = [];
      const db = drizzle(single, { logger: { logQuery: (text) => void statements.push(text.split(/\s/)[0]!) } });
      const marker = randomUUID();
      // The owner's own transaction, begun by hand: Tributary must not commit it.
      await single.query('BEGIN');
      await client.insertMany(db, items(marker));
      await single.query('ROLLBACK');
      expect(statements).toEqual(['WITH']);
      expect(await storedIn('public', marker)).toEqual([]);
    } finally {
      await single.end();
    }
  });
});

describe('a named schema', () => {
  // Mixed case, so every name Tributary writes must be quoted.
  const schema = 'CopyJobs';
  const scoped = new Client({ schema });

  test.each([
    ['node-postgres', 'db'], ['node-postgres', 'tx'], ['postgres.js', 'db'], ['postgres.js', 'tx'],
  ] as const)('%s on %s: into the schema\'s table, ids from its sequence, notified on its channel', async (name, mode) => {
    await migrate({ databaseUrl: t.url, schema });
    const driver = name === 'node-postgres' ? nodePg : postgresJs;
    const marker = randomUUID();
    const queue = `s${marker.slice(0, 8)}`;
    const batch = items(marker).map((item) => ({ ...item, opts: { queue } }));
    const listener = await listen(t.url, `${schema}.river_insert`);
    try {
      driver.statements.length = 0;
      const results = mode === 'db' ? await scoped.insertMany(driver.db, batch) : await driver.db.transaction((tx) => scoped.insertMany(tx, batch));
      expect(driver.statements.includes('COPY')).toBe(driver.copies);
      expect(results.map((r) => r.job)).toEqual(await storedIn(schema, marker));
      const [seq] = await t.query<{ last: string }>(`SELECT last_value::text AS last FROM "${schema}".river_job_id_seq`);
      expect(Number(seq!.last)).toBe(results.at(-1)!.job.id);
      expect(await storedIn('public', marker)).toEqual([]);
      await listener.flush();
      expect(listener.payloads.filter((p) => p.includes(queue))).toEqual([`{"queue":"${queue}"}`]);
    } finally {
      await listener.close();
    }
  });
});
