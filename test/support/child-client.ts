import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { waitFor } from './wait.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/child-client.ts', import.meta.url));

/** A message a child client sent: `ready`, `started`, `aborted`, `cancelled`, `queue_paused`, `queue_resumed`, `leader_*`, `stopped`. */
export interface ChildMessage {
  type: string;
  id?: number | string;
  reason?: string;
  queue?: string;
}

/** A Client running in a separate Node process (test/fixtures/child-client.ts). */
export interface ChildClient {
  /** The child's client id, as written into attempted_by. */
  id: string;
  process: ChildProcess;
  messages: ChildMessage[];
  /** Waits for a message matching `match` (already received or still to come). */
  waitFor(match: (m: ChildMessage) => boolean, timeoutMs?: number): Promise<ChildMessage>;
  /** Graceful stop (client.stop()) and exit. */
  stop(): Promise<void>;
  /** SIGKILL: no stop, no resign, no last heartbeat. */
  kill(): Promise<void>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts a child process running a client on `databaseUrl` with JSON-able client `options`. */
export async function spawnChildClient(databaseUrl: string, options: Record<string, unknown> = {}): Promise<ChildClient> {
  const child = fork(FIXTURE, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DATABASE_URL: databaseUrl, CHILD_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  const messages: ChildMessage[] = [];
  child.on('message', (m: ChildMessage) => void messages.push(m));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const find = (match: (m: ChildMessage) => boolean, timeoutMs = 20_000) =>
    waitFor(() => {
      if (child.exitCode !== null && !messages.some(match)) throw new Error(`child exited with ${child.exitCode}`);
      return messages.find(match);
    }, { timeoutMs, message: 'a message from the child client' });
  const ready = await find((m) => m.type === 'ready', 30_000);
  return {
    id: String(ready.id),
    process: child,
    messages,
    waitFor: find,
    async stop() {
      child.send({ type: 'stop' });
      await exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
