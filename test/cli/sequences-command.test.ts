import { expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { accountStep } from '../sequences/sequence-jobs.js';
import { createTestDatabase } from '../support/test-database.js';
import { runCli } from './cli-process.js';

const t = await createTestDatabase();
const db = ['--database-url', t.url];
const inserter = new Client();
const key = 'kind=account_step&args={"accountId":1}';

test('sequences list, get and resume a halted sequence', async () => {
  const [first, second] = await inserter.insertMany(t.db, [0, 1].map((n) => ({ job: accountStep, args: { accountId: 1, n } })));
  // As if the first job had run and been discarded: it halts the sequence.
  await t.query(`UPDATE river_job SET state = 'discarded', attempt = 1, finalized_at = now() WHERE id = $1`, [first!.job.id]);

  const table = await runCli(['sequences', 'list', ...db]);
  expect(table.code).toBe(0);
  const lines = table.stdout.trim().split('\n');
  expect(lines[0]!.split(/\s{2,}/)).toEqual(['KEY', 'STATUS', 'CURRENT', 'HALTED BY', 'PENDING', 'NEXT']);
  expect(lines[1]!.split(/\s{2,}/)).toEqual([key, 'halted', '-', `${first!.job.id} (discarded)`, '1', String(second!.job.id)]);

  const { sequences } = JSON.parse((await runCli(['sequences', 'list', '--halted', '--json', ...db])).stdout);
  expect(sequences).toEqual([expect.objectContaining({ key, status: 'halted', pending: 1 })]);
  expect((await runCli(['sequences', 'get', key, ...db])).stdout).toContain('halted');

  const resumed = await runCli(['sequences', 'resume', key, ...db]);
  expect(resumed).toEqual({ code: 0, stdout: `sequence ${key}: resumed past job ${first!.job.id}; running, 0 pending\n`, stderr: '' });
  expect((await t.query(`SELECT state::text FROM river_job WHERE id = $1`, [second!.job.id]))[0]!.state).toBe('available');
});

test('an unknown key fails with exit 1; a malformed one is a usage error', async () => {
  const unknown = await runCli(['sequences', 'resume', 'kind=nothing', ...db]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/^tributary: sequence "kind=nothing" not found/);
  expect((await runCli(['sequences', 'get', 'kind=nothing', ...db])).code).toBe(1);
  const bad = await runCli(['sequences', 'get', 'accountId=1', ...db]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/^tributary: <key>: must be a sequence key/);
  expect((await runCli(['sequences', 'list', '--limit', '0', ...db])).code).toBe(2);
});
