import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import { Client, work } from '../../src/index.js';
import { startClient } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';
import { step } from './workflow-jobs.js';

const t = await createTestDatabase();
const FIXTURE = fileURLToPath(new URL('../fixtures/workflow-child.ts', import.meta.url));
const children: ReturnType<typeof fork>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Pending tasks whose every dependency completed: what a release lost would leave behind. */
const strandedTasks = async (workflowId: string) =>
  t.query(`SELECT w.id FROM river_job AS w
    WHERE w.state = 'pending' AND w.metadata->'tributary:workflow'->>'id' = $1
      AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(w.metadata->'tributary:workflow'->'deps') AS dep(name)
        JOIN river_job AS d ON d.metadata->'tributary:workflow'->>'id' = $1 AND d.metadata->'tributary:workflow'->>'task' = dep.name
        WHERE d.state <> 'completed')`, [workflowId]);

test('a worker process killed with SIGKILL mid-workflow leaves no ready task pending, and another process finishes the workflow', { timeout: 120_000 }, async () => {
  // 12 layers of 6 tasks, each task waiting on every task of the layer before it.
  const wf = new Client().workflow({ name: 'crash' });
  let previous: ReturnType<typeof wf.add<typeof step>>[] = [];
  for (let layer = 0; layer < 12; layer++) {
    previous = Array.from({ length: 6 }, (_, i) => wf.add(`${layer}.${i}`, step, { name: `${layer}.${i}` }, { deps: previous }));
  }
  await wf.insert(t.db);

  const child = fork(FIXTURE, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, DATABASE_URL: t.url }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  let completed = 0;
  child.on('message', (m: { type: string }) => void (m.type === 'completed' && completed++));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Killed mid-way: its completer flushes every few ms, so some outcome is in flight at any time.
  await waitFor(() => completed >= 25, { timeoutMs: 60_000, message: 'the child to complete 25 tasks' });
  child.kill('SIGKILL');
  await exited;

  const states = await t.query(`SELECT state::text, count(*)::int AS n FROM river_job GROUP BY 1`);
  expect(states.find((s) => s.state === 'completed')?.n).toBeGreaterThanOrEqual(25);
  expect(await strandedTasks(wf.id)).toEqual([]);

  // A survivor rescues what the dead process held and works the rest.
  await startClient(t, { queues: { default: { maxWorkers: 8 } }, clientDeadAfter: 3000, workers: [work(step, (job) => job.args.name)] });
  await waitFor(async () => (await t.query(`SELECT count(*)::int AS n FROM river_job WHERE state = 'completed'`))[0]!.n === 72,
    { timeoutMs: 90_000, intervalMs: 200, message: 'every task to complete' });
  const rows = await t.query(`SELECT metadata->'tributary:workflow'->>'task' AS task, metadata->>'output' AS output FROM river_job`);
  expect(rows.every((r) => r.task === r.output)).toBe(true);
});
