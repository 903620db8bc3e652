import { describe, expect, test } from 'vitest';
import { Client, ValidationError, work } from '../../src/index.js';
import { noop, sendEmail } from '../support/jobs.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const queues = { default: { maxWorkers: 1 } };

describe('start() checks the configuration', () => {
  test.each([
    ['no pool', { queues, workers: [work(noop, () => {})] }, /pool: is needed to work jobs/],
    ['no queues', { pool: t.pool, workers: [work(noop, () => {})] }, /queues: name at least one queue/],
    ['queues without workers', { pool: t.pool, queues }, /workers: the queue default has no workers/],
    ['a kind worked twice', { pool: t.pool, queues, workers: [work(noop, () => {}), work(sendEmail, () => {}), work(noop, () => {})] }, /workers\[2\]: kind noop is already worked by workers\[0\]/],
  ])('%s', async (_name, config, message) => {
    const client = new Client(config as never);
    const error = await client.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('options are validated when the client is made', () => {
  test.each([
    [{ fetchCoolDown: 5 }, /fetchCoolDown: is not a client option; did you mean "fetchCooldown"\?/],
    [{ queues: { default: { maxWorkers: 0 } } }, /queues\.default\.maxWorkers: must be an integer from 1 to 10000, got 0/],
    [{ queues: { default: { maxWorkers: 10_001 } } }, /got 10001/],
    [{ queues: { 'Bad Queue': { maxWorkers: 1 } } }, /queues\.Bad Queue: "Bad Queue" is not a queue name/],
    [{ fetchPollInterval: 0 }, /fetchPollInterval: must be a whole number of milliseconds >= 1/],
    [{ preparedStatements: 'no' }, /preparedStatements: must be true or false, got "no"/],
    [{ jobTimeout: -5 }, /jobTimeout: must be a whole number of milliseconds, or -1/],
    [{ workers: [{ job: noop }] }, /workers\[0\]: must be made by work/],
    [{ workers: [{ job: noop, work: () => {}, timeout: 0 }] }, /workers\[0\].timeout: must be a positive whole number/],
    [{ logger: {} }, /logger: must have debug, info, warn and error methods/],
    [{ id: '' }, /id: must be a string of 1 to 100 characters/],
  ])('%j', (config, message) => {
    expect(() => new Client(config as never)).toThrow(message);
  });

  test('work() checks its own options', () => {
    expect(() => work(noop, () => {}, { maxAttempts: 40_000 })).toThrow(/maxAttempts: must be an integer from 1 to 32767/);
    expect(() => work(noop, 'nope' as never)).toThrow(/work: must be a function/);
  });
});

describe('lifecycle', () => {
  test('start twice shares one start; stop twice is fine; a stopped client stays stopped', async () => {
    const client = new Client({ pool: t.pool, queues, workers: [work(noop, () => {})], logger: quietLogger });
    const a = client.start();
    expect(client.start()).toBe(a);
    await a;
    await Promise.all([client.stop(), client.stop()]);
    await expect(client.start()).rejects.toThrow(/a stopped client cannot start again/);
  });

  test('a client never started stops at once', async () => {
    await new Client().stop();
    await new Client().stopAndCancel();
  });
});
