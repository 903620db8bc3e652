import { expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { step } from '../workflow/workflow-jobs.js';
import { createTestDatabase } from '../support/test-database.js';
import { runCli } from './cli-process.js';

const t = await createTestDatabase();
const db = ['--database-url', t.url];

test('workflows get shows the tasks; cancel and retry act on the whole workflow', async () => {
  const wf = new Client().workflow({ name: 'order 9' });
  const charge = wf.add('charge', step, { name: 'charge' });
  wf.add('ship', step, { name: 'ship' }, { deps: [charge], ignoreDependencyFailure: true });
  const inserted = await wf.insert(t.db);

  const shown = await runCli(['workflows', 'get', wf.id, ...db]);
  expect(shown.code).toBe(0);
  const lines = shown.stdout.trim().split('\n');
  expect(lines[0]).toBe(`workflow ${wf.id} ("order 9"): running; 2 task(s): 1 available, 1 pending`);
  expect(lines[1]!.split(/\s{2,}/)).toEqual(['TASK', 'ID', 'KIND', 'STATE', 'ATTEMPT', 'DEPS', 'LAST ERROR']);
  expect(lines[3]!.trim().split(/\s{2,}/)).toEqual(['ship', String(inserted.job(charge).id + 1), 'wf_step', 'pending', '0', 'charge (ignoring failures)']);
  const { workflow } = JSON.parse((await runCli(['workflows', 'get', wf.id, '--json', ...db])).stdout);
  expect(workflow.tasks.map((task: { name: string }) => task.name)).toEqual(['charge', 'ship']);

  const cancelled = await runCli(['workflows', 'cancel', wf.id, ...db]);
  expect(cancelled).toEqual({ code: 0, stdout: `workflow ${wf.id}: 2 task(s) cancelled, 0 running asked to stop; failed, 2 cancelled\n`, stderr: '' });
  const retried = await runCli(['workflows', 'retry', wf.id, ...db]);
  expect(retried.stdout).toBe(`workflow ${wf.id}: 1 task(s) retried, 1 waiting again; running, 1 available, 1 pending\n`);

  const unknown = await runCli(['workflows', 'get', 'nope', ...db]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toBe('tributary: workflow "nope" not found: it has no task\n');
  expect((await runCli(['workflows', 'cancel', 'nope', ...db])).code).toBe(1);
});
