import { describe, expect, test } from 'vitest';
import { Client, TributaryError, ValidationError } from '../../src/index.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const client = new Client({ pool: t.pool, logger: quietLogger });

/** The ValidationError a call rejects with. */
async function validationError(call: Promise<unknown>): Promise<ValidationError> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('job ids', () => {
  test.each([0, -1, 1.5, Number.NaN, '7', null, undefined, 2 ** 53])('%s is not a job id', async (id) => {
    for (const call of [client.jobGet, client.jobRetry, client.jobCancel, client.jobDelete]) {
      const error = await validationError(call.call(client, id as number));
      expect(error.field).toBe('id');
      expect(error.message).toMatch(/^job(Get|Retry|Cancel|Delete): id: must be a positive integer job id, got /);
    }
  });
});

describe('jobList params', () => {
  test('an unknown state gets a suggestion', async () => {
    const error = await validationError(client.jobList({ states: ['complete' as 'completed'] }));
    expect(error.message).toBe('jobList: states[0]: "complete" is not a job state; did you mean "completed"?');
  });

  test('every problem is reported at once, each naming its field', async () => {
    const error = await validationError(client.jobList({
      limit: 0, priorities: [5 as 1], queues: ['Bad Queue'], ids: [0], kinds: [''], tags: [7 as unknown as string],
      metadata: [] as unknown as Record<string, never>, order: 'up' as 'asc',
    }));
    expect(error.issues.map((i) => i.path)).toEqual(['kinds[0]', 'queues[0]', 'priorities[0]', 'tags[0]', 'ids[0]', 'metadata', 'order', 'limit']);
    expect(error.message).toContain('limit: must be an integer from 1 to 10000, got 0');
    expect(error.message).toContain('priorities[0]: must be a priority from 1 to 4, got 5');
  });

  test('limit above the maximum, an unknown parameter, a misspelt one', async () => {
    expect((await validationError(client.jobList({ limit: 10_001 }))).message).toBe('jobList: limit: must be an integer from 1 to 10000, got 10001');
    const error = await validationError(client.jobList({ state: ['available'] } as never));
    expect(error.message).toBe('jobList: state: is not a jobList parameter; did you mean "states"?');
  });

  test("'time' ordering needs states of one time column", async () => {
    expect((await validationError(client.jobList({ orderBy: 'time' }))).message).toMatch(/orderBy: 'time' needs states/);
    expect((await validationError(client.jobList({ orderBy: 'time', states: ['running', 'completed'] }))).message).toMatch(
      /orderBy: 'time' needs states that share one time column, got running, completed/,
    );
  });

  test.each(['', 'not a cursor', Buffer.from('{"v":1,"c":"id","o":"asc","id":"x","t":null}').toString('base64url'), 42])('bad cursor %j', async (cursor) => {
    const error = await validationError(client.jobList({ cursor: cursor as string }));
    expect(error.message).toBe('jobList: cursor: is not a cursor returned by jobList (pass nextCursor as it came)');
  });
});

describe('queue names', () => {
  test('a bad queue name is refused; "*" only where it means every queue', async () => {
    expect((await validationError(client.queuePause('Default'))).message).toMatch(
      /^queuePause: name: "Default" is not a queue name: use lowercase letters and digits, with single "_" or "-" between them \(or "\*" for every queue\)$/,
    );
    expect((await validationError(client.queueResume(''))).field).toBe('name');
    expect((await validationError(client.queueGet('*'))).message).toMatch(/^queueGet: name: "\*" is not a queue name/);
    expect((await validationError(client.queueStats({ queues: ['ok', 'NOT OK'] }))).field).toBe('queues[1]');
    expect((await validationError(client.queueList({ limit: 0 }))).message).toBe('queueList: limit: must be an integer from 1 to 10000, got 0');
  });
});

test('a client without a pool says it needs one', async () => {
  const insertOnly = new Client();
  const error = await insertOnly.jobList().catch((e) => e);
  expect(error).toBeInstanceOf(TributaryError);
  expect(error.message).toBe('client.jobList() needs a pool: make the client with new Client({ pool }) to administer jobs and queues');
  await expect(insertOnly.queuePause('default')).rejects.toThrow(/client\.queuePause\(\) needs a pool/);
});
