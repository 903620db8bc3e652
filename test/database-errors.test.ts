// Errors that say what to do: a database without the tables, tables in another schema, a
// database that cannot be reached, a connection string that is not one. The same message from
// every entry point: insert, start(), the admin API, the CLI and the UI.
import { createServer } from 'node:net';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { Client, migrate, MissingTablesError, QueryFailedError, ValidationError, work } from '../src/index.js';
import { createUiHandler } from '../src/ui/index.js';
import { runCli } from './cli/cli-process.js';
import { noop } from './support/jobs.js';
import { inRolledBackTx } from './support/rollback.js';
import { createTestDatabase } from './support/test-database.js';

const empty = await createTestDatabase({ empty: true });
// Tables made by migrate, but in a schema the clients below are not told about.
const elsewhere = await createTestDatabase({ empty: true });
await migrate({ pool: elsewhere.pool, schema: 'jobs' });

const queues = { default: { maxWorkers: 1 } };
const workers = [work(noop, () => {})];

/** Logs kept, to check what start() printed before it failed. */
function recordingLogger() {
  const lines: string[] = [];
  const log = (message: string) => void lines.push(message);
  return { lines, logger: { debug: log, info: log, warn: log, error: log } };
}

const failure = async (call: () => unknown): Promise<Error> => {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
};

/** Each entry point a user meets first, on a client of `pool` (without `schema`). */
const entryPoints = (pool: pg.Pool, db = drizzle(pool)) => {
  const client = new Client({ pool });
  return {
    insert: () => client.insert(db, noop, {}),
    'insert in a transaction': () => inRolledBackTx(db, (tx) => client.insert(tx, noop, {})),
    'insert-only client, in a transaction': () => inRolledBackTx(db, (tx) => new Client().insert(tx, noop, {})),
    jobList: () => client.jobList(),
    jobGet: () => client.jobGet(1),
    queueList: () => client.queueList(),
    queueStats: () => client.queueStats(),
  };
};

describe('a database without the tables', () => {
  test.each(Object.entries(entryPoints(empty.pool)))('%s says to migrate, with the missing relation', async (name, call) => {
    const error = await failure(call);
    expect(error).toBeInstanceOf(MissingTablesError);
    expect(error.message).toMatch(/^(insert "noop"|jobList|jobGet|queueList|queueStats): Tributary's tables are missing from the search_path/);
    expect(error.message).toContain('run `npx tributary migrate`, or your drizzle-kit migrations');
    expect(error.message).toMatch(/\((relation "river_\w+"|type "river_job_state") does not exist\)$/);
    // Without the client's pool inside an aborted transaction it cannot look elsewhere: both fixes.
    if (name === 'insert-only client, in a transaction') expect(error.message).toContain("if they are in another schema, pass schema: '<name>'");
    expect(error.message).not.toContain('Failed query');
    expect((error as MissingTablesError).code).toMatch(/^(42P01|42704)$/);
  });

  test('start() says so before starting anything, without a warning about tributary_client first', async () => {
    const { lines, logger } = recordingLogger();
    const client = new Client({ pool: empty.pool, queues, workers, logger });
    const error = await failure(() => client.start());
    expect(error).toBeInstanceOf(MissingTablesError);
    expect(error.message).toBe(
      "client.start(): Tributary's tables are missing from the search_path (\"$user\", public): run `npx tributary migrate`, or your drizzle-kit migrations (drizzle-kit migrate) (missing: river_job, river_queue, river_leader)",
    );
    expect(lines).toEqual([]);
    await client.stop();
  });

  test('with a schema option, the command names it', async () => {
    const error = await failure(() => new Client({ pool: empty.pool, schema: 'app_jobs' }).jobList());
    expect(error.message).toContain('missing from schema "app_jobs": run `npx tributary migrate --schema app_jobs`');
  });

  test('the CLI prints the same message, exit code 1', async () => {
    for (const args of [['jobs', 'list'], ['queues', 'list'], ['jobs', 'retry', '1']]) {
      const result = await runCli([...args, '--database-url', empty.url]);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(/^tributary: \w+: Tributary's tables are missing from the search_path .*: run `npx tributary migrate`/);
    }
  });

  test('the UI API answers 503 with the message', async () => {
    const ui = createUiHandler(new Client({ pool: empty.pool, logger: recordingLogger().logger }));
    for (const path of ['/api/jobs', '/api/states', '/api/queues']) {
      const response = await ui(new Request(`http://ui.test${path}`));
      expect(response.status, path).toBe(503);
      expect(((await response.json()) as { error: string }).error, path).toMatch(/: Tributary's tables are missing from the search_path .*npx tributary migrate/);
    }
  });
});

describe('tables in another schema', () => {
  test.each(Object.entries(entryPoints(elsewhere.pool)))('%s names the schema to pass', async (name, call) => {
    const error = await failure(call);
    expect(error).toBeInstanceOf(MissingTablesError);
    if (name === 'insert-only client, in a transaction') {
      // No pool to look with, and the transaction is aborted: it cannot tell.
      expect(error.message).toContain("if they are in another schema, pass schema: '<name>'");
    } else {
      expect(error.message).toContain(`Tributary's tables are not in the search_path ("$user", public) but in schema "jobs": pass schema: 'jobs' (--schema jobs on the command line)`);
    }
  });

  test('start() and the CLI name it too', async () => {
    const error = await failure(() => new Client({ pool: elsewhere.pool, queues, workers }).start());
    expect(error.message).toContain("but in schema \"jobs\": pass schema: 'jobs'");
    const result = await runCli(['jobs', 'list', '--database-url', elsewhere.url]);
    expect(result.stderr).toContain("but in schema \"jobs\": pass schema: 'jobs' (--schema jobs on the command line)");
    expect((await runCli(['jobs', 'list', '--database-url', elsewhere.url, '--schema', 'jobs'])).stdout).toBe('no jobs match\n');
  });
});

/** A port nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a database that cannot be reached', async () => {
  const port = await closedPort();
  const url = `postgres://app:secret@127.0.0.1:${port}/app`;
  const pool = new pg.Pool({ connectionString: url });
  pool.on('error', () => {});
  const cause = `connect ECONNREFUSED 127.0.0.1:${port}`;

  test('insert leads with the cause, without the SQL, keeping the driver\'s error as the cause', async () => {
    const error = await failure(() => new Client().insert(drizzle(pool), noop, {}));
    expect(error).toBeInstanceOf(QueryFailedError);
    expect(error.message).toBe(
      `insert "noop": cannot connect to the database at postgres://app:***@127.0.0.1:${port}/app: ${cause}: is Postgres running there? Check the connection string (DATABASE_URL)`,
    );
    expect((error as QueryFailedError).code).toBe('ECONNREFUSED');
    // A single insert through a node-postgres db goes to the driver as a prepared statement, not
    // through Drizzle: the cause is the driver's own error.
    expect((error.cause as Error).message).toBe(cause);
  });

  test.each([
    ['insertMany', () => new Client().insertMany(drizzle(pool), [{ job: noop, args: {} }])],
    ['client.start()', () => new Client({ pool, queues, workers }).start()],
    ['jobList', () => new Client({ pool }).jobList()],
    ['migrate', () => migrate({ databaseUrl: url })],
  ])('%s too', async (context, call) => {
    const error = await failure(call);
    expect(error).toBeInstanceOf(QueryFailedError);
    expect(error.message).toMatch(new RegExp(`^${context.replace(/[().]/g, '\\$&')}: cannot connect to the database at postgres://app:\\*\\*\\*@127.0.0.1:${port}/app: ${cause}`));
  });

  test('the CLI prints it, exit code 1, the password masked', async () => {
    const result = await runCli(['jobs', 'list', '--database-url', url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^tributary: jobList: cannot connect to the database at postgres://app:\\*\\*\\*@127.0.0.1:${port}/app: ${cause}`));
    expect(result.stderr).not.toContain('secret');
  });
});

describe('a connection string that is not one', () => {
  const message = '"not-a-url" is not a Postgres connection URL: use postgres://user:password@host:5432/database';

  test('is refused where it is given: migrate, a client\'s pool', async () => {
    const error = await failure(() => migrate({ databaseUrl: 'not-a-url' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe(`migrate: databaseUrl: ${message}`);
    expect(() => new Client({ pool: new pg.Pool({ connectionString: 'not-a-url' }) })).toThrow(`new Client(): pool.options.connectionString: ${message}`);
  });

  test('an insert through a Drizzle db made from one says so, not ENOTFOUND base', async () => {
    const error = await failure(() => new Client().insert(drizzle(new pg.Pool({ connectionString: 'not-a-url' })), noop, {}));
    expect(error).toBeInstanceOf(QueryFailedError);
    expect(error.message).toBe(`insert "noop": the connection string ${message}`);
  });

  test('the CLI says so, from the flag or DATABASE_URL, as a usage error (exit code 2)', async () => {
    for (const [args, env] of [
      [['jobs', 'list', '--database-url', 'not-a-url'], process.env],
      [['queues', 'list'], { ...process.env, DATABASE_URL: 'not-a-url' }],
      [['migrate'], { ...process.env, DATABASE_URL: 'not-a-url' }],
    ] as const) {
      const result = await runCli(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toBe(`tributary: --database-url (or DATABASE_URL): ${message}\n`);
    }
    const masked = await runCli(['jobs', 'list', '--database-url', 'postgres//app:secret@db/app']);
    expect(masked.stderr).toBe('tributary: --database-url (or DATABASE_URL): "postgres//app:***@db/app" is not a Postgres connection URL: use postgres://user:password@host:5432/database\n');
  });
});

test('start() on an insert-only client says what is missing, naming no empty list', async () => {
  const error = await failure(() => new Client({ pool: empty.pool }).start());
  expect(error.message).toBe(
    'client.start(): queues: name at least one queue to work, such as { default: { maxWorkers: 10 } }; workers: none given: add work(job, fn) for each kind this client works',
  );
  expect((await failure(() => new Client({ pool: empty.pool, queues: { a: { maxWorkers: 1 }, b: { maxWorkers: 1 } } }).start())).message).toContain(
    'workers: the queues a, b have no workers',
  );
});
