import { describe, expect, test } from 'vitest';
import { work } from '../../src/index.js';
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
    expect(row.errors[0].error).toBe('no worker registered for kind made_in_go');
    await waitForState(t, known, 'completed');
  });

  test('args that fail the schema fail the attempt with the field named', async () => {
    await startClient(t, { queues: { default: { maxWorkers: 2 } }, workers: [work(sendEmail, () => {})] });
    const id = await insertRaw('send_email', { to: 'nobody', subject: 1 });
    const row = await waitForState(t, id, 'retryable');
    expect(row.errors[0].error).toMatch(/has invalid args: args\.to: Invalid email.*args\.subject/);
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
