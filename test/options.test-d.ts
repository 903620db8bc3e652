// A misspelt option fails to compile where TypeScript's excess property checks reach: object
// literals passed straight to the API. (At runtime every one is rejected too: see
// unknown-options.test.ts.)
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import * as v from 'valibot';
import { describe, expectTypeOf, test } from 'vitest';
import { Client, defineJob, migrate, periodicJob, work, type ClientEventName } from '../src/index.js';
import { requireInserted, requireManyInserted, testWorker } from '../src/testing/index.js';
import { createUiHandler, serveUi } from '../src/ui/index.js';

const noop = defineJob({ kind: 'noop', args: v.object({}) });
declare const pool: pg.Pool;
declare const client: Client;
const db = drizzle.mock();
const fn = () => {};
const construct = () => ({ job: noop, args: {} });

describe('misspelt options do not compile', () => {
  test('client options and what they hold', () => {
    // @ts-expect-error: schema
    new Client({ pool, schmea: 'q' });
    // @ts-expect-error: prefetch
    new Client({ queues: { default: { maxWorkers: 1, prefech: 5 } } });
    // @ts-expect-error: completed
    new Client({ retention: { complete: 1000 } });
    // @ts-expect-error: timeout
    new Client({ reindex: { timout: 1000 } });
    // @ts-expect-error: queue
    new Client({ insertOpts: { queu: 'email' } });
  });

  test('workers', () => {
    // @ts-expect-error: timeout
    work(noop, fn, { timout: 5 });
    // @ts-expect-error: maxAttempts
    work(noop, { work: fn, maxAttempt: 3 });
  });

  test('periodic jobs', () => {
    // @ts-expect-error: runOnStart
    periodicJob({ every: 60_000 }, construct, { runOnstart: true });
    // @ts-expect-error: every
    periodicJob({ evry: 60_000 }, construct);
  });

  test('insert options and unique options', () => {
    // @ts-expect-error: priority
    void client.insert(db, noop, {}, { priorty: 2 });
    // @ts-expect-error: byArgs
    void client.insert(db, noop, {}, { uniqueOpts: { byArg: true } });
    // @ts-expect-error: insertOpts
    defineJob({ kind: 'x', args: v.object({}), insertOpt: {} });
  });

  test('migrate', () => {
    // @ts-expect-error: schema
    void migrate({ pool, schmea: 'q' });
  });

  test('the UI', () => {
    // @ts-expect-error: basePath
    createUiHandler(client, { basepath: '/admin' });
    // @ts-expect-error: port
    void serveUi(client, { prot: 8080 });
  });

  test('the testing helpers', () => {
    // @ts-expect-error: queue
    void requireInserted(db, noop, { queu: 'x' });
    // @ts-expect-error: schema
    void requireInserted(db, noop, {}, { shema: 'x' });
    // @ts-expect-error: args
    void requireManyInserted(db, [{ job: noop, arg: {} }]);
    // @ts-expect-error: client
    testWorker(work(noop, fn), { clinet: client });
  });

  test('administration parameters', () => {
    // @ts-expect-error: states
    void client.jobList({ state: ['available'] });
    // @ts-expect-error: limit
    void client.queueList({ limt: 5 });
    // @ts-expect-error: queues
    void client.queueStats({ queue: ['default'] });
  });

  test('event names', () => {
    // @ts-expect-error: job_completed
    client.on('job_complete', fn);
    client.on('job_completed', ({ job }) => expectTypeOf(job.id).toEqualTypeOf<number>());
    expectTypeOf<'job_complete'>().not.toMatchTypeOf<ClientEventName>();
  });
});
