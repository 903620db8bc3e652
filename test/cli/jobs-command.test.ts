import { describe, expect, test } from 'vitest';
import { migrate } from '../../src/index.js';
import { insertRow } from '../admin/job-rows.js';
import { createTestDatabase } from '../support/test-database.js';
import { runCli } from './cli-process.js';

const t = await createTestDatabase();
const db = ['--database-url', t.url];
const ids = (stdout: string) => (JSON.parse(stdout) as { jobs: { id: number }[] }).jobs.map((j) => j.id);

describe('tributary jobs list', () => {
  test('filters, repeated or comma-separated, as a table and as JSON', async () => {
    const a = await insertRow(t, { kind: 'cli_list_a', queue: 'cli_list', priority: 2, tags: ['red', 'big'] });
    const b = await insertRow(t, { kind: 'cli_list_b', queue: 'cli_list', state: 'completed' });
    const c = await insertRow(t, { kind: 'cli_list_c', queue: 'cli_list', state: 'scheduled', priority: 2, tags: ['red'] });
    await insertRow(t, { kind: 'cli_list_a', queue: 'cli_other' });

    const table = await runCli(['jobs', 'list', '--queue', 'cli_list', ...db]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\s*ID\s+STATE\s+KIND\s+QUEUE\s+PRIORITY\s+ATTEMPT\s+SCHEDULED\s+FINALIZED$/);
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/).slice(0, 6))).toEqual([
      [String(a), 'available', 'cli_list_a', 'cli_list', '2', '0/25'],
      [String(b), 'completed', 'cli_list_b', 'cli_list', '1', '0/25'],
      [String(c), 'scheduled', 'cli_list_c', 'cli_list', '2', '0/25'],
    ]);
    expect(lines[2]).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(lines[1]).toMatch(/Z\s+-$/);

    const json = async (...args: string[]) => {
      const result = await runCli(['jobs', 'list', '--json', ...args, ...db]);
      expect(result.code).toBe(0);
      return ids(result.stdout);
    };
    expect(await json('--queue', 'cli_list', '--state', 'available,scheduled')).toEqual([a, c]);
    expect(await json('--queue', 'cli_list', '--state', 'available', '--state', 'completed')).toEqual([a, b]);
    expect(await json('--kind', 'cli_list_a', '--queue', 'cli_list,cli_nothing')).toEqual([a]);
    expect(await json('--queue', 'cli_list', '--priority', '2')).toEqual([a, c]);
    expect(await json('--tag', 'red,big')).toEqual([a]);
    expect(await json('--tag', 'red')).toEqual([a, c]);
    expect(await json('--id', `${c},${b}`, '--order', 'desc')).toEqual([c, b]);
    expect(await json('--kind', 'cli_nothing')).toEqual([]);
    expect((await runCli(['jobs', 'list', '--kind', 'cli_nothing', ...db])).stdout).toBe('no jobs match\n');

    const full = JSON.parse((await runCli(['jobs', 'list', '--json', '--id', String(a), ...db])).stdout);
    expect(full).toEqual({ jobs: [expect.objectContaining({ id: a, kind: 'cli_list_a', tags: ['red', 'big'], args: {}, errors: [] })], nextCursor: null });
  });

  test('pages: prints the cursor of the next page while there is one', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await insertRow(t, { kind: 'cli_page' }));
    const first = await runCli(['jobs', 'list', '--kind', 'cli_page', '--limit', '2', ...db]);
    const cursor = /more jobs: run again with --cursor (\S+)/.exec(first.stdout)?.[1];
    expect(cursor).toBeDefined();
    const second = JSON.parse((await runCli(['jobs', 'list', '--kind', 'cli_page', '--limit', '2', '--cursor', cursor!, '--json', ...db])).stdout);
    expect(second.jobs.map((j: { id: number }) => j.id)).toEqual(made.slice(2, 4));
    const last = await runCli(['jobs', 'list', '--kind', 'cli_page', '--limit', '2', '--cursor', second.nextCursor, ...db]);
    expect(last.stdout).toContain(String(made[4]));
    expect(last.stdout).not.toContain('more jobs');
  });

  test('bad filters are usage errors naming the flag (exit 2)', async () => {
    const states = await runCli(['jobs', 'list', '--state', 'complete,bogus', ...db]);
    expect(states.code).toBe(2);
    expect(states.stderr).toBe(
      'tributary: --state: "complete" is not a job state; did you mean "completed"?\n' +
        '  --state: "bogus" is not a job state; use one of available, cancelled, completed, discarded, pending, retryable, running, scheduled\n',
    );
    const priority = await runCli(['jobs', 'list', '--priority', '5', ...db]);
    expect([priority.code, priority.stderr]).toEqual([2, 'tributary: --priority: must be a priority from 1 to 4, got 5\n']);
    const cursor = await runCli(['jobs', 'list', '--cursor', 'nonsense', ...db]);
    expect(cursor.code).toBe(2);
    expect(cursor.stderr).toMatch(/^tributary: --cursor: /);
    const notANumber = await runCli(['jobs', 'list', '--limit', 'ten', ...db]);
    expect(notANumber.code).toBe(2);
    expect(notANumber.stderr).toMatch(/option '--limit <n>' argument 'ten' is invalid\. must be a positive integer/);
  });

  test('--schema reads the tables of a named schema', async () => {
    await migrate({ pool: t.pool, schema: 'cli_jobs' });
    await t.query(`INSERT INTO cli_jobs.river_job (kind, args) VALUES ('cli_in_schema', '{}')`);
    const result = await runCli(['jobs', 'list', '--json', '--schema', 'cli_jobs', ...db]);
    expect(JSON.parse(result.stdout).jobs.map((j: { kind: string }) => j.kind)).toEqual(['cli_in_schema']);
  });
});

describe('tributary jobs get', () => {
  test('every field, args, metadata and errors; traces with --trace or --json', async () => {
    const id = await insertRow(t, { kind: 'cli_get', state: 'retryable', attempt: 2, tags: ['t1'], metadata: { tenant: 7 } });
    const errors = [
      { at: '2025-01-02T03:04:05Z', attempt: 1, error: 'smtp refused', trace: 'Error: smtp refused\n    at send (mail.js:10)' },
      { at: '2025-01-02T03:05:05Z', attempt: 2, error: 'timed out', trace: '' },
    ];
    await t.query(`UPDATE river_job SET args = $2, errors = $3::jsonb[] WHERE id = $1`, [id, { to: 'ada@example.com' }, errors.map((e) => JSON.stringify(e))]);

    const text = await runCli(['jobs', 'get', String(id), ...db]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^job ${id}\n`));
    for (const line of [/ state\s+retryable/, / kind\s+cli_get/, / attempt\s+2 of 25/, / tags\s+t1/, / finalized\s+-/]) expect(text.stdout).toMatch(line);
    expect(text.stdout).toContain('args:\n  {\n    "to": "ada@example.com"\n  }');
    expect(text.stdout).toContain('metadata:\n  {\n    "tenant": 7\n  }');
    expect(text.stdout).toContain('errors (2):\n  attempt 1  2025-01-02T03:04:05Z  smtp refused\n  attempt 2  2025-01-02T03:05:05Z  timed out\n');
    expect(text.stdout).not.toContain('at send');

    const traced = await runCli(['jobs', 'get', String(id), '--trace', ...db]);
    expect(traced.stdout).toContain('smtp refused\n    Error: smtp refused\n        at send (mail.js:10)\n  attempt 2');

    const json = JSON.parse((await runCli(['jobs', 'get', String(id), '--json', ...db])).stdout);
    expect(json).toMatchObject({ id, kind: 'cli_get', state: 'retryable', args: { to: 'ada@example.com' }, metadata: { tenant: 7 }, tags: ['t1'] });
    expect(json.errors[0]).toEqual({ at: '2025-01-02T03:04:05.000Z', attempt: 1, error: 'smtp refused', trace: errors[0]!.trace });
  });

  test('an unknown id fails with exit code 1; a bad one is a usage error', async () => {
    expect(await runCli(['jobs', 'get', '999999', ...db])).toEqual({ code: 1, stdout: '', stderr: 'tributary: job 999999 not found\n' });
    const bad = await runCli(['jobs', 'get', '1.5', ...db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/argument 'id'\. must be a positive integer/);
  });
});

describe('tributary jobs retry|cancel|delete', () => {
  const stateOf = async (id: number) => (await t.query(`SELECT state FROM river_job WHERE id = $1`, [id]))[0]?.state;

  test('retry: a line per id; exit code 1 when one is unknown', async () => {
    const discarded = await insertRow(t, { kind: 'cli_retry', state: 'discarded', attempt: 25 });
    const running = await insertRow(t, { kind: 'cli_retry', state: 'running', attempt: 1 });
    const result = await runCli(['jobs', 'retry', String(discarded), String(running), '999998', ...db]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`job ${discarded}: retried (available)\njob ${running}: running; left unchanged\n`);
    expect(result.stderr).toBe('tributary: job 999998 not found\n');
    expect(await stateOf(discarded)).toBe('available');
  });

  test('cancel: at once, or asked of the running client; finished jobs unchanged; exit 0', async () => {
    const waiting = await insertRow(t, { kind: 'cli_cancel' });
    const running = await insertRow(t, { kind: 'cli_cancel', state: 'running', attempt: 1 });
    const done = await insertRow(t, { kind: 'cli_cancel', state: 'completed', attempt: 1 });
    const result = await runCli(['jobs', 'cancel', String(waiting), String(running), String(done), ...db]);
    expect(result).toEqual({
      code: 0,
      stdout:
        `job ${waiting}: cancelled\n` +
        `job ${running}: cancel requested; it is running and ends cancelled once its worker stops\n` +
        `job ${done}: already completed; left unchanged\n`,
      stderr: '',
    });
    expect(await stateOf(waiting)).toBe('cancelled');
  });

  test('delete: refuses a running job (exit 1), deletes the others', async () => {
    const done = await insertRow(t, { kind: 'cli_delete', state: 'completed' });
    const running = await insertRow(t, { kind: 'cli_delete', state: 'running', attempt: 1 });
    const result = await runCli(['jobs', 'delete', String(running), String(done), ...db]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`job ${done}: deleted (was completed)\n`);
    expect(result.stderr).toBe(`tributary: job ${running} is running and cannot be deleted: cancel it (tributary jobs cancel ${running}), then delete it once it has stopped\n`);
    expect([await stateOf(done), await stateOf(running)]).toEqual([undefined, 'running']);
    const again = await runCli(['jobs', 'delete', String(running), ...db]);
    expect(again.code).toBe(1);
  });

  test('ids must be positive integers (exit 2, nothing done)', async () => {
    const id = await insertRow(t, { kind: 'cli_delete' });
    const result = await runCli(['jobs', 'delete', String(id), 'x', ...db]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/value 'x' is invalid for argument 'id'\. must be a positive integer/);
    expect(await stateOf(id)).toBe('available');
  });
});
