import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import type { InsertReport } from '../fixtures/replace-inserter.js';
import { spawnChildClient } from '../support/child-client.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

// onConflict: 'replace' across processes: inserting processes race on one unique job while a
// worker process runs the queue. Each insert reports its place in commit order (see the fixture).

const t = await createTestDatabase();
await t.query(`CREATE SEQUENCE replace_commit_order`);
const INSERTER = fileURLToPath(new URL('../fixtures/replace-inserter.ts', import.meta.url));

const inserters: ChildProcess[] = [];
afterEach(() => {
  for (const child of inserters.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

async function spawnInserter(): Promise<{ insert(count: number, scheduledAt?: number): Promise<InsertReport[]> }> {
  const child = fork(INSERTER, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, DATABASE_URL: t.url }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  inserters.push(child);
  const messages: { type: string; reports?: InsertReport[] }[] = [];
  child.on('message', (m: { type: string; reports?: InsertReport[] }) => void messages.push(m));
  await waitFor(() => messages.some((m) => m.type === 'ready'), { timeoutMs: 30_000, message: 'the inserter to be ready' });
  return {
    async insert(count, scheduledAt) {
      const from = messages.length;
      child.send({ type: 'insert', count, scheduledAt });
      const reply = await waitFor(() => messages.slice(from).find((m) => m.type === 'inserted'), { timeoutMs: 30_000, message: 'the inserts' });
      return reply.reports!;
    },
  };
}

const rows = () => t.query<{ id: string; state: string; scheduled_at: Date; priority: number; attempt: number; args: unknown }>(
  `SELECT id, state::text, scheduled_at, priority, attempt, args FROM river_job WHERE kind = 'hold' ORDER BY id`,
);

test('inserting processes racing on one replacing unique job: one waiting row, the last commit\'s schedule and priority; a running duplicate is never touched', async () => {
  const worker = await spawnChildClient(t.url);
  const racers = await Promise.all([spawnInserter(), spawnInserter(), spawnInserter()]);

  // Scheduled ahead, so the worker leaves them waiting: every insert after the first replaces.
  const reports = (await Promise.all(racers.map((r) => r.insert(15)))).flat();
  const waiting = await rows();
  expect(waiting).toHaveLength(1);
  expect(waiting[0]!.state).toBe('scheduled');
  expect(reports.every((r) => !r.skipped && r.id === Number(waiting[0]!.id))).toBe(true);
  expect(reports.filter((r) => !r.replaced)).toHaveLength(1);
  const last = reports.reduce((a, b) => (b.order > a.order ? b : a));
  expect(waiting[0]!.scheduled_at.getTime()).toBe(last.scheduledAt);
  expect(waiting[0]!.priority).toBe(last.priority);

  // A replace scheduling it now makes it available: the worker process takes it and runs it (a
  // `hold` job runs until stopped).
  const [now] = await racers[0]!.insert(1, Date.now());
  expect(now!.replaced).toBe(true);
  await worker.waitFor((m) => m.type === 'started' && m.id === now!.id);
  const [running] = await rows();
  expect(running).toMatchObject({ state: 'running', attempt: 1, priority: now!.priority });

  // Racing duplicates now find it running: each is skipped, and the row is as the worker took it.
  const late = (await Promise.all(racers.map((r) => r.insert(5)))).flat();
  expect(late.every((r) => r.skipped && !r.replaced && r.id === now!.id)).toBe(true);
  expect(await rows()).toEqual([running]);
  // A soft stop would wait for the hold job, which runs until aborted.
  await worker.kill();
}, 60_000);
