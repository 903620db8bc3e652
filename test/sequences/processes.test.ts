import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { seqStep } from '../fixtures/sequence-step.js';
import { serverUpFor } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';
import { sequenceProblems, type Run } from './sequence-jobs.js';

const t = await createTestDatabase();
const inserter = new Client();
const FIXTURE = fileURLToPath(new URL('../fixtures/sequence-child.ts', import.meta.url));

interface Child {
  messages: Record<string, any>[];
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const children: ReturnType<typeof fork>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function spawn(options: Record<string, unknown> = {}): Promise<Child> {
  const child = fork(FIXTURE, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DATABASE_URL: t.url, CHILD_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  const messages: Record<string, any>[] = [];
  child.on('message', (m: Record<string, any>) => void messages.push(m));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`child exited with ${child.exitCode}`);
    return messages.some((m) => m.type === 'ready');
  }, { timeoutMs: 30_000, message: 'the child client to start' });
  return {
    messages,
    kill: async () => void (child.kill('SIGKILL'), await exited),
    stop: async () => void (child.send({ type: 'stop' }), await exited),
  };
}

const runsOf = (...all: Child[]): Run[] =>
  all.flatMap((c) => c.messages.filter((m) => m.type === 'run').map((m) => ({ id: m.id, key: m.key, n: 0, start: m.start, end: m.end })));

test('two processes working the same sequences run each in insert order, one job at a time', { timeout: 120_000 }, async () => {
  const [a, b] = await Promise.all([spawn(), spawn()]);
  const keys = 20;
  const perKey = 6;
  // Inserted in several transactions, interleaving keys, so ids of a key are not contiguous.
  for (let n = 0; n < perKey; n++) {
    await inserter.insertMany(t.db, Array.from({ length: keys }, (_, k) => ({ job: seqStep, args: { key: `k${k}`, n, ms: 3 } })));
  }
  await waitFor(() => runsOf(a, b).length === keys * perKey, { timeoutMs: 60_000, message: `${keys * perKey} runs` });
  const runs = runsOf(a, b);
  expect(sequenceProblems(runs)).toEqual([]);
  // Each key's jobs ran in id order, which is insert order.
  for (let k = 0; k < keys; k++) {
    const ids = runs.filter((r) => r.key === `k${k}`).sort((x, y) => x.start - y.start).map((r) => r.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
  }
  // Both processes took part.
  expect(runsOf(a).length).toBeGreaterThan(0);
  expect(runsOf(b).length).toBeGreaterThan(0);
  await Promise.all([a.stop(), b.stop()]);
});

test("a process killed while running a sequence's job: the job runs again in the other, and nothing after it starts meanwhile", { timeout: 120_000 }, async () => {
  await serverUpFor(t, 5000);
  const options = { clientDeadAfter: 3000 };
  const victim = await spawn(options);
  const { job: held } = await inserter.insert(t.db, seqStep, { key: 'killed', n: 0, ms: 0, hold: true });
  const rest = await inserter.insertMany(t.db, [1, 2, 3].map((n) => ({ job: seqStep, args: { key: 'killed', n, ms: 0 } })));
  await waitFor(() => victim.messages.some((m) => m.type === 'started' && m.id === held.id), { message: 'the held job to start in the victim' });
  const survivor = await spawn(options);
  await victim.kill();

  // The rescuer makes it available again (still the head); it runs in the survivor, then the rest.
  await waitFor(() => runsOf(survivor).length === 4, { timeoutMs: 60_000, intervalMs: 100, message: 'all four jobs run in the survivor' });
  const runs = survivor.messages.filter((m) => m.type === 'run');
  expect(runs.map((m) => m.id)).toEqual([held.id, ...rest.map((r) => r.job.id)]);
  expect(runs[0]!.attempt).toBe(2);
  expect(sequenceProblems(runsOf(survivor))).toEqual([]);
  await survivor.stop();
});
