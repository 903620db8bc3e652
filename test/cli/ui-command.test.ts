import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const cli = resolve(import.meta.dirname, '../../dist/cli.js');
const t = await createTestDatabase();

/** Starts `tributary ui` and resolves with its URL once it printed it. */
async function startUi(args: string[]) {
  const child = spawn('node', [cli, 'ui', '--database-url', t.url, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await waitFor(() => /Tributary UI on (http:\/\/\S+\/)/.exec(stdout)?.[1], { message: `the UI's URL (stderr: ${stderr})` });
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}

test('tributary ui serves on 127.0.0.1 and stops cleanly on SIGINT', async () => {
  await t.query(`INSERT INTO river_job (kind, args) VALUES ('cli_ui', '{}')`);
  const ui = await startUi([]);
  expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  const { states } = (await (await fetch(`${ui.url}api/states`)).json()) as { states: unknown[] };
  expect(states).toContainEqual({ state: 'available', count: 1, atLeast: false });
  const crossOrigin = await fetch(`${ui.url}api/jobs/delete`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.test' }, body: '{"ids":[1]}' });
  expect(crossOrigin.status).toBe(403);
  ui.child.kill('SIGINT');
  expect(await ui.exited).toBe(0);
});

test('--basic-auth, --read-only and --base-path', async () => {
  const ui = await startUi(['--basic-auth', 'ops:pw', '--read-only', '--base-path', '/queue']);
  expect(ui.url).toMatch(/\/queue\/$/);
  expect(ui.output().stdout).toContain('(basic auth) (read-only)');
  expect((await fetch(`${ui.url}api/settings`)).status).toBe(401);
  const authorization = `Basic ${Buffer.from('ops:pw').toString('base64')}`;
  expect(await (await fetch(`${ui.url}api/settings`, { headers: { authorization } })).json()).toEqual({ readOnly: true, hideArgs: false });
  ui.child.kill('SIGTERM');
  expect(await ui.exited).toBe(0);
});

test('bad flags are usage errors (exit 2)', async () => {
  const child = spawn('node', [cli, 'ui', '--database-url', t.url, '--port', 'http'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(2);
  expect(stderr).toMatch(/--port.*must be a port number/);
});
