import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { waitFor } from './wait.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/limited-child.ts', import.meta.url));

/** One run of a `timed` job in a child, from its `start` and `end` messages; `end` undefined while it runs. */
export interface ChildRun {
  child: number;
  id: number;
  attempt: number;
  start: number;
  end: number | undefined;
}

/** A child process working queue `limited` (test/fixtures/limited-child.ts). */
export interface LimitedChild {
  id: string;
  process: ChildProcess;
  stop(): Promise<void>;
  /** SIGKILL; returns the time it was sent. */
  kill(): Promise<number>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts child number `index`, recording its runs into `runs`. */
export async function spawnLimitedChild(databaseUrl: string, index: number, queue: object, runs: ChildRun[], options: object = {}): Promise<LimitedChild> {
  const child = fork(FIXTURE, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DATABASE_URL: databaseUrl, CHILD_QUEUE: JSON.stringify(queue), CHILD_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  let id: string | undefined;
  child.on('message', (m: { type: string; id: number | string; attempt: number; at: number }) => {
    if (m.type === 'ready') id = String(m.id);
    if (m.type === 'start') runs.push({ child: index, id: Number(m.id), attempt: m.attempt, start: m.at, end: undefined });
    if (m.type === 'end') {
      const run = runs.find((r) => r.child === index && r.id === m.id && r.attempt === m.attempt);
      if (run) run.end = m.at;
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`child exited with ${child.exitCode}`);
    return id;
  }, { timeoutMs: 30_000, message: 'the child client to be ready' });
  return {
    id: id!,
    process: child,
    async stop() {
      child.send({ type: 'stop' });
      await exited;
    },
    async kill() {
      const at = Date.now();
      child.kill('SIGKILL');
      await exited;
      return at;
    },
  };
}

/** The most runs overlapping at any moment; a run with no end counts until `openUntil`. */
export function maxOverlap(runs: readonly ChildRun[], openUntil = Infinity): number {
  const edges = runs.flatMap((r) => [[r.start, 1] as const, [r.end ?? openUntil, -1] as const]);
  // Ends first at equal times: a slot freed and taken in the same millisecond is not an overlap.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
}
