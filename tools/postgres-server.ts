import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { LocalPostgresError, describeError } from './local-postgres-error.js';
import type { PostgresBinaries, ServerUser } from './postgres-binaries.js';

/** initdb on a busy machine takes seconds; a start that takes this long is stuck. */
const START_DEADLINE_MS = 120_000;
/** A fast shutdown that takes this long becomes an immediate one. */
const STOP_DEADLINE_MS = 30_000;
/** Lines of output kept to explain a failure. */
const KEPT_LINES = 40;

export interface ServerFiles {
  binaries: PostgresBinaries;
  /** Runs initdb and postgres as this account; undefined: as this process. */
  user: ServerUser | undefined;
  /** The cluster's folder; its parent holds the password file while initdb runs. */
  dataDir: string;
  onLog: (line: string) => void;
}

// English messages, as the failure explanations below match them.
const childEnv = (): NodeJS.ProcessEnv => ({ ...process.env, LC_ALL: 'C' });

function launch(binary: string, args: string[], files: ServerFiles, onLine: (line: string) => void): ChildProcess {
  const child = spawn(binary, args, {
    // The server's user may not be able to enter this process's working folder.
    cwd: dirname(files.dataDir),
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(files.user && { uid: files.user.uid, gid: files.user.gid }),
  });
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', onLine);
  return child;
}

/** Keeps the last lines of a child's output. */
function transcript(onLog: (line: string) => void) {
  const lines: string[] = [];
  return {
    lines,
    add(line: string) {
      onLog(line);
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
    },
  };
}

/** Creates the cluster: user `postgres` with `password`, UTF-8, the same locale on every machine. */
export async function initCluster(files: ServerFiles, password: string): Promise<void> {
  const { dataDir, user } = files;
  const passwordFile = join(dirname(dataDir), 'password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  await mkdir(dataDir, { mode: 0o700 });
  if (user) {
    await chown(passwordFile, user.uid, user.gid);
    await chown(dataDir, user.uid, user.gid);
  }
  const output = transcript(files.onLog);
  const child = launch(
    files.binaries.initdb,
    [
      `--pgdata=${dataDir}`,
      '--auth=password',
      '--username=postgres',
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      // The builtin provider sorts and cases the same everywhere, independent of OS locales.
      '--locale=C',
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
      // A throwaway cluster: waiting for the disk buys nothing.
      '--no-sync',
      '--no-instructions',
    ],
    files,
    output.add,
  );
  try {
    const [code] = await Promise.race([
      once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>,
      once(child, 'error').then(([error]) => {
        throw new LocalPostgresError(`initdb could not be run (${describeError(error)})`, undefined);
      }),
    ]);
    if (code !== 0) {
      const reason = output.lines.find((line) => line.startsWith('initdb: error:'))?.slice('initdb: error:'.length).trim() ?? output.lines.at(-1) ?? `exit code ${code}`;
      throw new LocalPostgresError(`initdb failed: ${reason}`, undefined, { output: output.lines.join('\n') });
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

const running = (child: ChildProcess): boolean => child.pid !== undefined && child.exitCode === null && child.signalCode === null;

/** Explains why postgres exited before accepting connections. */
function startFailure(lines: string[], port: number, exit: string): LocalPostgresError {
  const output = lines.join('\n');
  if (/Address already in use|lock file ".*\.s\.PGSQL\.\d+\.lock" already exists/.test(output)) {
    return new LocalPostgresError(`port ${port} on 127.0.0.1 is already in use`, 'free it or try again', { output, portInUse: true });
  }
  const fatal = lines.map((line) => /\b(?:FATAL|PANIC):\s+(.*)$/.exec(line)?.[1]).find(Boolean);
  return new LocalPostgresError(`postgres exited (${exit})${fatal ? `: ${fatal}` : ''}`, undefined, { output });
}

/** One postgres process over a cluster made by `initCluster`; `start()` again after `stop()`. */
export class ServerProcess {
  private child: ChildProcess | undefined;

  constructor(
    private readonly files: ServerFiles,
    readonly port: number,
    private readonly flags: string[],
  ) {}

  /** Resolves once the server accepts connections; rejects with a LocalPostgresError. */
  async start(): Promise<void> {
    if (this.child && running(this.child)) return;
    const output = transcript(this.files.onLog);
    const child = launch(
      this.files.binaries.postgres,
      // Listen where the URL points, so a port half taken (on ::1 only) cannot hide another server.
      ['-D', this.files.dataDir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', ...this.flags],
      this.files,
      (line) => {
        output.add(line);
        if (line.includes('database system is ready to accept connections')) ready();
      },
    );
    let ready!: () => void;
    let timer: NodeJS.Timeout | undefined;
    const started = new Promise<void>((resolve, reject) => {
      ready = resolve;
      child.on('error', (error) => reject(new LocalPostgresError(`postgres could not be run (${describeError(error)})`, undefined)));
      child.on('exit', (code, signal) => reject(startFailure(output.lines, this.port, signal ? `signal ${signal}` : `exit code ${code}`)));
      timer = setTimeout(
        () => reject(new LocalPostgresError(`postgres did not accept connections within ${START_DEADLINE_MS / 1000} s`, undefined, { output: output.lines.join('\n') })),
        START_DEADLINE_MS,
      );
    });
    this.child = child;
    try {
      await started;
    } catch (error) {
      await this.stop();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Fast shutdown (sessions are terminated); the cluster's files stay. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || !running(child)) return;
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_DEADLINE_MS);
    await exited;
    clearTimeout(timer);
  }

  /**
   * For a process that is exiting (no event loop left): asks the server to stop, then waits
   * for it, up to a few seconds, by its pid file, which postgres removes last.
   */
  stopSync(): void {
    const child = this.child;
    this.child = undefined;
    if (!child || !running(child)) return;
    child.kill('SIGINT');
    const pidFile = join(this.files.dataDir, 'postmaster.pid');
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const deadline = Date.now() + 5_000;
    while (existsSync(pidFile) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 20);
  }
}
