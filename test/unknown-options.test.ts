// Every options object of the public API rejects a misspelt key, at every depth, naming its path
// and the closest known name, before anything is written.
import { describe, expect, test } from 'vitest';
import { Client, defineJob, migrate, periodicJob, ValidationError, work } from '../src/index.js';
import { migrationStatus } from '../src/migrate/migration-status.js';
import { otelMiddleware } from '../src/otel/index.js';
import { requireInserted, requireManyInserted, requireNotInserted, testWorker } from '../src/testing/index.js';
import { createUiHandler, serveUi } from '../src/ui/index.js';
import { noop } from './support/jobs.js';
import { quietLogger } from './support/runtime.js';
import { createTestDatabase } from './support/test-database.js';

const t = await createTestDatabase();
const client = new Client({ pool: t.pool, logger: quietLogger });
const fn = () => {};
const construct = () => ({ job: noop, args: {} });
const noopWorker = work(noop, fn);

/** What a user could see change in the database: rows of every queue table, schemas, tables. */
async function databaseState(): Promise<unknown> {
  return t.query(`SELECT
    (SELECT count(*)::int FROM river_job) AS jobs,
    (SELECT count(*)::int FROM river_queue) AS queues,
    (SELECT count(*)::int FROM river_leader) AS leaders,
    (SELECT count(*)::int FROM tributary_client) AS clients,
    (SELECT count(*)::int FROM tributary_migration) AS migrations,
    (SELECT array_agg(nspname ORDER BY nspname) FROM pg_namespace) AS schemas,
    (SELECT count(*)::int FROM pg_class WHERE relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)) AS relations`);
}

// [entry point, call with a misspelt key, the issue expected: `path: message`]
const cases: [string, () => unknown, string][] = [
  ['client option', () => new Client({ pool: t.pool, schmea: 'q' } as never), 'schmea: is not a client option; did you mean "schema"?'],
  ['queue option', () => new Client({ queues: { default: { maxWorkers: 1, prefech: 5 } } } as never), 'queues.default.prefech: is not a queue option; did you mean "prefetch"?'],
  ['worker option', () => work(noop, fn, { timout: 5 } as never), 'options.timout: is not a worker option; did you mean "timeout"?'],
  ['worker object field', () => work(noop, { work: fn, maxAttempt: 3 } as never), 'worker.maxAttempt: is not a worker field; did you mean "maxAttempts"?'],
  ['worker given to the client', () => new Client({ workers: [{ ...noopWorker, nextRetri: fn }] } as never), 'workers[0].nextRetri: is not a worker field; did you mean "nextRetry"?'],
  ['periodic job option', () => new Client({ periodicJobs: [periodicJob({ every: 60_000 }, construct, { runOnstart: true } as never)] }), 'periodicJobs[0].runOnstart: is not a periodic job field; did you mean "runOnStart"?'],
  ['periodic job schedule', () => new Client({ periodicJobs: [periodicJob({ evry: 60_000 } as never, construct)] }), 'periodicJobs[0].evry: is not a periodic job field; did you mean "every"?'],
  ['client insertOpts', () => new Client({ insertOpts: { queu: 'email' } as never }), 'insertOpts.queu: is not an insert option; did you mean "queue"?'],
  ['insert option', () => client.insert(t.db, noop, {}, { priorty: 2 } as never), 'opts.priorty: is not an insert option; did you mean "priority"?'],
  ['unique option', () => client.insert(t.db, noop, {}, { uniqueOpts: { byArg: true } as never }), 'opts.uniqueOpts.byArg: is not a unique option; did you mean "byArgs"?'],
  ['sequence option', () => client.insert(t.db, noop, {}, { sequence: { byQeue: true } as never }), 'opts.sequence.byQeue: is not a sequence option; did you mean "byQueue"?'],
  ['insertMany item option', () => client.insertMany(t.db, [{ job: noop, args: {} }, { job: noop, args: {}, opts: { tag: ['x'] } as never }]), 'opts.tag: is not an insert option; did you mean "tags"?'],
  ['job definition', () => defineJob({ kind: 'x', args: noop.args, insertOpt: {} } as never), 'insertOpt: is not a job definition field; did you mean "insertOpts"?'],
  ['retention', () => new Client({ retention: { complete: 1000 } as never }), 'retention.complete: is not a retention state; did you mean "completed"?'],
  ['reindex', () => new Client({ reindex: { timout: 1000 } as never }), 'reindex.timout: is not a reindex option; did you mean "timeout"?'],
  ['middleware', () => new Client({ middleware: [{ insert: fn, wrk: fn } as never] }), 'middleware[0].wrk: is not a middleware field; did you mean "work"?'],
  ['plugin', () => new Client({ plugins: [{ name: 'p', maintenanceService: fn } as never] }), 'plugins[0].maintenanceService: is not a plugin field; did you mean "maintenanceServices"?'],
  ['otelMiddleware', () => otelMiddleware({ tracr: undefined } as never), 'tracr: is not an otelMiddleware option; did you mean "tracer"?'],
  ['migrate', () => migrate({ pool: t.pool, schmea: 'q' } as never), 'schmea: is not a migrate option; did you mean "schema"?'],
  ['migrate by URL', () => migrate({ databaseUrl: t.url, shema: 'q' } as never), 'shema: is not a migrate option; did you mean "schema"?'],
  ['migrationStatus', () => migrationStatus({ pool: t.pool, schmea: 'q' } as never), 'schmea: is not a migrate option; did you mean "schema"?'],
  ['UI option', () => createUiHandler(client, { basepath: '/admin' } as never), 'basepath: is not a UI option; did you mean "basePath"?'],
  ['UI basicAuth', () => createUiHandler(client, { basicAuth: { username: 'a', password: 'b', passwrd: 'c' } as never }), 'basicAuth.passwrd: is not a basicAuth field; did you mean "password"?'],
  ['serveUi', () => serveUi(client, { prot: 0 } as never), 'prot: is not a UI option; did you mean "port"?'],
  ['requireInserted filter', () => requireInserted(t.db, noop, { queu: 'x' } as never), 'filter.queu: is not a job filter field; did you mean "queue"?'],
  ['requireInserted options', () => requireInserted(t.db, noop, {}, { shema: 'x' } as never), 'opts.shema: is not a testing option; did you mean "schema"?'],
  ['requireNotInserted filter', () => requireNotInserted(t.db, noop, { stat: 'available' } as never), 'filter.stat: is not a job filter field; did you mean "state"?'],
  ['requireManyInserted item', () => requireManyInserted(t.db, [{ job: noop }, { job: noop, arg: {} } as never]), 'items[1].arg: is not a job filter field; did you mean "args"?'],
  ['testWorker options', () => testWorker(noopWorker, { clinet: client } as never), 'options.clinet: is not a testWorker option; did you mean "client"?'],
  ['testWorker insert option', () => testWorker(noopWorker).work(t.db, {}, { priorty: 1 } as never), 'opts.priorty: is not an insert option; did you mean "priority"?'],
  ['jobList parameter', () => client.jobList({ state: ['available'] } as never), 'state: is not a jobList parameter; did you mean "states"?'],
  ['queueList parameter', () => client.queueList({ limt: 5 } as never), 'limt: is not a queueList parameter; did you mean "limit"?'],
  ['queueStats parameter', () => client.queueStats({ queue: ['default'] } as never), 'queue: is not a queueStats parameter; did you mean "queues"?'],
  ['event name', () => client.on('job_complete' as never, fn), 'event: "job_complete" is not an event; did you mean "job_completed"?'],
];

describe('a misspelt key is an error naming its path and the closest name', () => {
  test.each(cases)('%s', async (_name, call, issue) => {
    const before = await databaseState();
    let error: unknown;
    try {
      await call();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(issue);
    expect((error as ValidationError).issues.map((i) => `${i.path}: ${i.message}`)).toContain(issue);
    // Nothing was written: no job, no queue or client row, no schema or table (migrate's schmea
    // would otherwise have migrated the default schema).
    expect(await databaseState()).toEqual(before);
  });

  test('a key far from every known one lists the known ones', () => {
    expect(() => work(noop, fn, { retries: 3 } as never)).toThrow('options.retries: is not a worker option (timeout, maxAttempts, nextRetry, invalidArgs)');
  });

  test('a worker object, a middleware or a plugin may hold fields of its own; only near-misses are errors', () => {
    class EmailWorker {
      timeout = 5000;
      sent = 0;
      work() {
        this.sent++;
      }
    }
    expect(work(noop, new EmailWorker()).timeout).toBe(5000);
    const withPrefix = { prefix: 'x', work: fn };
    expect(work(noop, withPrefix).job).toBe(noop);
    expect(() => work(noop, new (class { timout = 5; work() {} })())).toThrow('worker.timout: is not a worker field; did you mean "timeout"?');
    const tracing = { name: 'm', spans: new Map(), insert: (_ctx: unknown, next: () => Promise<unknown[]>) => next() };
    const archiving = { name: 'p', archive: 'x' };
    new Client({ middleware: [tracing as never], plugins: [archiving] });
  });
});
