import { describe, expect, test } from 'vitest';
import { JobArgsError, work } from '../../src/index.js';
import { noop, sendEmail } from '../support/jobs.js';
import { startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();

// Rows written as River's Go, Python or Ruby clients write them: plain SQL, no Tributary involved.
async function insertRaw(kind: string, args: unknown): Promise<number> {
  const [row] = await t.query(`INSERT INTO river_job (kind, args, max_attempts) VALUES ($1, $2, 3) RETURNING id::int`, [kind, JSON.stringify(args)]);
  return row!.id;
}

describe('rows from other clients', () => {
  test('a job of a known kind is worked like one of ours', async () => {
    const seen: unknown[] = [];
    await startClient(t, { queues: { default: { maxWorkers: 2 } }, workers: [work(sendEmail, (job) => void seen.push(job.args))] });
    const id = await insertRaw('send_email', { to: 'go@example.com', subject: 'from Go' });
    await waitForState(t, id, 'completed');
    expect(seen).toEqual([{ to: 'go@example.com', subject: 'from Go' }]);
  });

  test('an unknown kind fails its attempt, and the client keeps working others', async () => {
    await startClient(t, { queues: { default: { maxWorkers: 2 } }, workers: [work(noop, () => {})] });
    const unknown = await insertRaw('made_in_go', {});
    const known = await insertRaw('noop', {});
    const row = await waitForState(t, unknown, 'retryable');
    expect(row.errors[0].error).toBe(
      'no worker for kind "made_in_go" in this client (it works "noop"); retried as any failure, in case another client or deployment has one',
    );
    await waitForState(t, known, 'completed');
  });

  test('args that can never pass the schema discard the job at once, the fields named; errorHandler sees a JobArgsError', async () => {
    const handled: unknown[] = [];
    await startClient(t, { queues: { default: { maxWorkers: 2 } }, errorHandler: (error) => void handled.push(error), workers: [work(sendEmail, () => {})] });
    const id = await insertRaw('send_email', { to: 'nobody', subject: 1 });
    const row = await waitForState(t, id, 'discarded');
    expect(row.attempt).toBe(1); // not 3 attempts over hours: they would fail the same way
    expect(row.errors).toHaveLength(1);
    expect(row.errors[0].error).toMatch(/^job \d+ \(send_email\) has invalid args: args\.to: Invalid email.*args\.subject/);
    expect(handled).toHaveLength(1);
    expect(handled[0]).toBeInstanceOf(JobArgsError);
    expect((handled[0] as JobArgsError).field).toBe('args.to');
  });

  test("invalidArgs: 'retry' retries such a job as any failure, for a rolling deploy", async () => {
    await startClient(t, { queues: { rolling: { maxWorkers: 1 } }, workers: [work(sendEmail, () => {}, { invalidArgs: 'retry', nextRetry: () => 3_600_000 })] });
    const [row] = await t.query(`INSERT INTO river_job (kind, args, queue) VALUES ('send_email', '{"to":"x"}', 'rolling') RETURNING id::int`);
    const stored = await waitForState(t, row!.id, 'retryable');
    expect(stored.errors[0].error).toMatch(/has invalid args/);
  });

  test('invalidArgs takes only discard or retry', () => {
    expect(() => work(sendEmail, () => {}, { invalidArgs: 'skip' as never })).toThrow(`work("send_email"): invalidArgs: must be 'discard' or 'retry', got "skip"`);
  });
});

describe('worker forms and attempted_by', () => {
  test("River's Worker object form works, with its options", async () => {
    const seen: string[] = [];
    const worker = {
      prefix: 'object:',
      timeout: 5000,
      work(job: { args: { to: string } }) {
        seen.push(this.prefix + job.args.to);
      },
    };
    await startClient(t, { queues: { objects: { maxWorkers: 1 } }, workers: [work(sendEmail, worker)] });
    const id = (await t.query(`INSERT INTO river_job (kind, args, queue) VALUES ('send_email', '{"to":"o@example.com","subject":"s"}', 'objects') RETURNING id::int`))[0]!.id;
    await waitForState(t, id, 'completed');
    expect(seen).toEqual(['object:o@example.com']);
  });

  test('attempted_by keeps the last 100 client ids', async () => {
    const client = await startClient(t, { queues: { trimmed: { maxWorkers: 1 } }, workers: [work(noop, () => {})] });
    const [row] = await t.query(
      `INSERT INTO river_job (kind, args, queue, attempted_by) SELECT 'noop', '{}', 'trimmed', array_agg('old_' || i) FROM generate_series(1, 100) i RETURNING id::int`,
    );
    const done = await waitForState(t, row!.id, 'completed');
    expect(done.attempted_by).toHaveLength(100);
    expect(done.attempted_by[0]).toBe('old_2');
    expect(done.attempted_by[99]).toBe(client.id);
  });
});
