import { expect, test } from 'vitest';
import { insertRow } from '../admin/job-rows.js';
import { createTestDatabase } from '../support/test-database.js';
import { runCli } from './cli-process.js';

const t = await createTestDatabase();
const db = ['--database-url', t.url];
const pausedAt = async (name: string) => (await t.query(`SELECT paused_at FROM river_queue WHERE name = $1`, [name]))[0]?.paused_at;

test('queues list: job counts by state and whether each queue is paused, as a table and as JSON', async () => {
  await t.query(`INSERT INTO river_queue (name, paused_at) VALUES ('cli_a', NULL), ('cli_b', now()), ('cli_idle', NULL)`);
  await insertRow(t, { queue: 'cli_a' });
  await insertRow(t, { queue: 'cli_a' });
  await insertRow(t, { queue: 'cli_a', state: 'completed' });
  await insertRow(t, { queue: 'cli_b', state: 'running' });
  await insertRow(t, { queue: 'cli_rowless', state: 'discarded' });

  const table = await runCli(['queues', 'list', ...db]);
  expect(table.code).toBe(0);
  const lines = table.stdout.trim().split('\n');
  expect(lines[0]!.split(/\s{2,}/)).toEqual(['QUEUE', 'PAUSED', 'AVAILABLE', 'SCHEDULED', 'RUNNING', 'RETRYABLE', 'COMPLETED', 'CANCELLED', 'DISCARDED', 'PENDING', 'LAST SEEN']);
  const row = (name: string) => lines.find((l) => l.startsWith(`${name} `))!.split(/\s+/);
  expect(row('cli_a').slice(0, 10)).toEqual(['cli_a', 'no', '2', '0', '0', '0', '1', '0', '0', '0']);
  expect(row('cli_b').slice(0, 4)).toEqual(['cli_b', 'since', expect.stringMatching(/^\d{4}-.*Z$/), '0']);
  expect(row('cli_idle').slice(0, 3)).toEqual(['cli_idle', 'no', '0']);
  expect(row('cli_rowless')).toEqual(['cli_rowless', 'no', '0', '0', '0', '0', '0', '0', '1', '0', '-']);

  const { queues } = JSON.parse((await runCli(['queues', 'list', '--json', ...db])).stdout);
  expect(queues.find((q: { queue: string }) => q.queue === 'cli_b')).toMatchObject({ queue: 'cli_b', paused: true, running: 1, pausedAt: expect.any(String) });
  expect(queues.find((q: { queue: string }) => q.queue === 'cli_rowless')).toMatchObject({ paused: false, discarded: 1, pausedAt: null, updatedAt: null });
});

test('queues pause and resume, by name or every queue with *', async () => {
  await t.query(`INSERT INTO river_queue (name) VALUES ('cli_p1'), ('cli_p2')`);
  const paused = await runCli(['queues', 'pause', 'cli_p1', ...db]);
  expect(paused).toEqual({ code: 0, stdout: 'queue cli_p1: paused\n', stderr: '' });
  expect(await pausedAt('cli_p1')).toBeInstanceOf(Date);
  expect(await pausedAt('cli_p2')).toBeNull();

  expect((await runCli(['queues', 'pause', '*', ...db])).stdout).toBe('every queue: paused\n');
  expect(await pausedAt('cli_p2')).toBeInstanceOf(Date);
  expect((await runCli(['queues', 'resume', 'cli_p1', 'cli_p2', ...db])).stdout).toBe('queue cli_p1: resumed\nqueue cli_p2: resumed\n');
  expect([await pausedAt('cli_p1'), await pausedAt('cli_p2')]).toEqual([null, null]);
});

test('an unknown queue fails with exit 1; a bad name is a usage error that changes nothing', async () => {
  await t.query(`INSERT INTO river_queue (name) VALUES ('cli_u1')`);
  const unknown = await runCli(['queues', 'pause', 'cli_nope', 'cli_u1', ...db]);
  expect(unknown.code).toBe(1);
  expect(unknown.stdout).toBe('queue cli_u1: paused\n');
  expect(unknown.stderr).toMatch(/^tributary: queue "cli_nope" not found/);

  await runCli(['queues', 'resume', 'cli_u1', ...db]);
  const bad = await runCli(['queues', 'pause', 'cli_u1', 'Bad Name', ...db]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/^tributary: "Bad Name" is not a queue name/);
  expect(await pausedAt('cli_u1')).toBeNull();
});
