/**
 * A set of worker processes of one configuration (worker-process.ts, compiled by build-worker.ts),
 * as a supervisor runs them: it spawns them, knows which exits it asked for (a kill, a SIGTERM, a
 * stop) and which it did not, and with `respawnOnCrash` replaces a process that died on its own,
 * so a scenario can still count lost jobs after a crash. Every unasked exit is kept with the
 * process's last error lines.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WORKER_FILE } from './build-worker.js';
import { WORKER_ENV, type WorkerConfig, type WorkerMessage } from './worker-config.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const STDERR_TAIL = 16_384;
const RESPAWN_DELAY_MS = 1000;

export interface WorkerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  readonly spawnedAt: number;
  readyAt?: number;
  /** When the harness first signalled it or asked it to stop: an exit after this was asked for. */
  endRequestedAt?: number;
  exit?: { code: number | null; signal: NodeJS.Signals | null; at: number };
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  stderrTail: string;
}

/** A process that ended without being asked to. */
export interface UnexpectedExit {
  set: string;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
  /** The error it died of, from its last stderr lines. */
  cause: string;
}

export interface WorkerSetOptions {
  /** Names the set in figures and logs (also its queue, by convention). */
  name: string;
  url: string;
  count: number;
  config: WorkerConfig;
  /** Replace a process that exits unasked, as systemd or Kubernetes would. */
  respawnOnCrash: boolean;
  /** Every line the workers write to stderr, prefixed with set and pid. */
  log: WriteStream;
}

export class WorkerSet {
  readonly processes: WorkerProcess[] = [];
  readonly unexpectedExits: UnexpectedExit[] = [];
  /**
   * Processes that died before they were ready: `client.start()` rejects while the server is
   * down, which a respawn during a restart meets. Not a running client's crash, so kept apart.
   */
  readonly failedStarts: UnexpectedExit[] = [];
  private closing = false;

  constructor(readonly options: WorkerSetOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** Processes not exited. */
  get live(): WorkerProcess[] {
    return this.processes.filter((p) => !p.exit);
  }

  /** Processes that are ready and were not asked to end: fair targets for the next fault. */
  get working(): WorkerProcess[] {
    return this.processes.filter((p) => p.readyAt !== undefined && !p.exit && p.endRequestedAt === undefined);
  }

  /** ms from spawn to ready of every process that got ready, in spawn order. */
  get startupMs(): number[] {
    return this.processes.flatMap((p) => (p.readyAt === undefined ? [] : [p.readyAt - p.spawnedAt]));
  }

  /** Spawns `count` processes and waits until all are ready. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.count }, () => this.spawn().ready));
  }

  /** Spawns one more process; `ready` resolves when it has started its client. */
  spawn(): { process: WorkerProcess; ready: Promise<void> } {
    const child = fork(WORKER_FILE, [], {
      cwd: REPO_ROOT,
      execArgv: [], // plain node: the worker is compiled JavaScript (build-worker.ts)
      env: {
        ...process.env,
        [WORKER_ENV.url]: this.options.url,
        [WORKER_ENV.config]: JSON.stringify(this.options.config),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const pid = child.pid!;
    const worker: WorkerProcess = {
      pid, child, spawnedAt: Date.now(), stderrTail: '',
      // 'close', not 'exit': stderr is complete by then, so the cause of a crash is in the tail.
      exited: once(child, 'close').then(() => {}),
    };
    this.processes.push(worker);
    const prefix = `[${this.name} ${pid}] `;
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      worker.stderrTail = (worker.stderrTail + text).slice(-STDERR_TAIL);
      this.options.log.write(text.split('\n').filter(Boolean).map((line) => `${prefix}${line}\n`).join(''));
    };
    child.stdout!.on('data', onOutput);
    child.stderr!.on('data', onOutput);
    child.on('close', (code, signal) => this.onExit(worker, code, signal));

    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${prefix}not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      child.on('message', (message: WorkerMessage) => {
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        if (!message.resolved.includes('/dist/')) {
          reject(new Error(`${prefix}tributary-queue resolved to ${message.resolved}, not to the built package in dist/`));
          return;
        }
        worker.readyAt = Date.now();
        resolve();
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (worker.readyAt === undefined) reject(new Error(`${prefix}exited before it was ready (code ${code}, signal ${signal}): ${lastError(worker.stderrTail)}`));
      });
    });
    // A replacement nobody awaits must not become an unhandled rejection; callers that care await `ready`.
    ready.catch(() => {});
    return { process: worker, ready };
  }

  /** Sends `signal` to a process, noting that an exit from now on was asked for. */
  signal(worker: WorkerProcess, signal: NodeJS.Signals): number {
    const at = Date.now();
    worker.endRequestedAt ??= at;
    if (!worker.exit) worker.child.kill(signal);
    return at;
  }

  /**
   * Asks every live process to stop its client (IPC `stop`), waits up to `boundMs`, and SIGKILLs
   * those still there. Returns how long each took to report `client.stop()` done, by pid (null:
   * it did not within the bound).
   */
  async stopAll(boundMs: number): Promise<Map<number, number | null>> {
    this.closing = true;
    const times = new Map<number, number | null>();
    await Promise.all(this.live.map(async (worker) => {
      worker.endRequestedAt ??= Date.now();
      const stopped = new Promise<number>((resolve) => {
        worker.child.on('message', (message: WorkerMessage) => message.type === 'stopped' && resolve(message.stopMs));
      });
      try {
        worker.child.send({ type: 'stop' });
      } catch {
        // Its channel is already closed: it is exiting.
      }
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), boundMs)));
      const result = await Promise.race([stopped, bound, worker.exited.then(() => null)]);
      clearTimeout(timer);
      times.set(worker.pid, result);
      if (!worker.exit) worker.child.kill('SIGKILL');
      await worker.exited;
    }));
    return times;
  }

  /** SIGKILLs everything left, for cleanup. */
  async killAll(): Promise<void> {
    this.closing = true;
    await Promise.all(this.live.map((worker) => {
      this.signal(worker, 'SIGKILL');
      return worker.exited;
    }));
  }

  private onExit(worker: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): void {
    worker.exit = { code, signal, at: Date.now() };
    if (worker.endRequestedAt !== undefined || this.closing) return;
    const exit = { set: this.name, pid: worker.pid, code, signal, at: worker.exit.at, cause: lastError(worker.stderrTail) };
    if (worker.readyAt === undefined) this.failedStarts.push(exit);
    else this.unexpectedExits.push(exit);
    if (!this.options.respawnOnCrash) return;
    // A supervisor's restart delay: a server still down would fail a start at once again.
    if (worker.readyAt === undefined) setTimeout(() => !this.closing && this.spawn(), RESPAWN_DELAY_MS);
    else this.spawn();
  }
}

/** The error a process died of, from its stderr: Node's "Unhandled 'error' event" note and the error line after it. */
export function lastError(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.replace(/^\[[^\]]*\] /, '').trim()).filter(Boolean);
  const unhandled = lines.some((l) => l.includes("Unhandled 'error' event"));
  // "Error: ...", "TypeError: ...", and pg's DatabaseError, which prints as "error: ...".
  const errorLine = lines.find((l) => /^\w*[Ee]rror: /.test(l)) ?? lines.at(-1) ?? '(no output)';
  return `${unhandled ? "Unhandled 'error' event: " : ''}${errorLine}`.slice(0, 200);
}
