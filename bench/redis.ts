/**
 * A throwaway Redis for the BullMQ contender: finds `redis-server` (PATH or /usr/bin,
 * /usr/local/bin), installs Debian's `redis-server` package with apt-get when it is missing, and
 * starts it on a free port in a temporary folder with persistence off. `stop()` kills it and
 * removes the folder.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../tools/local-postgres.js';

export interface LocalRedis {
  host: string;
  port: number;
  /** Where it came from, for the report: the binary's path and whether this run installed it. */
  note: string;
  stop(): Promise<void>;
}

/** `name` on PATH or in the usual system folders, or undefined. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin', '/usr/sbin'];
  return dirs.map((dir) => join(dir, name)).find((path) => existsSync(path));
}

/**
 * Installs Debian packages non-interactively: apt-get directly as root, else through `sudo -n`
 * (never prompting). Returns an error message, or undefined on success.
 */
export function aptInstall(packages: string[], log: (line: string) => void): string | undefined {
  if (!findExecutable('apt-get')) return 'apt-get not found (not a Debian-like system)';
  const root = process.getuid?.() === 0;
  if (!root && !findExecutable('sudo')) return 'not root and sudo not found';
  const run = (args: string[]) => {
    const [command, ...rest] = root ? args : ['sudo', '-n', ...args];
    log(`  $ ${[command, ...rest].join(' ')}`);
    return spawnSync(command!, rest, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 300_000 });
  };
  let result = run(['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...packages]);
  if (result.status !== 0) {
    // A fresh container has no package lists yet.
    run(['apt-get', 'update', '-q']);
    result = run(['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...packages]);
  }
  if (result.status === 0) return undefined;
  return `apt-get install ${packages.join(' ')} failed: ${String(result.stderr ?? result.error ?? '').trim().split('\n').pop()}`;
}

/** Resolves once a PING on host:port answers PONG, or rejects after `ms`. */
async function waitForPong(port: number, child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`redis-server did not answer within ${ms} ms`);
}

/**
 * Starts a throwaway Redis, installing it first if needed.
 * @returns the server, or a string saying why there is none (the caller skips BullMQ).
 */
export async function startLocalRedis(log: (line: string) => void): Promise<LocalRedis | string> {
  let binary = findExecutable('redis-server');
  let installed = false;
  if (!binary) {
    log('redis-server not found: installing Debian\'s redis-server package');
    const error = aptInstall(['redis-server'], log);
    binary = findExecutable('redis-server');
    if (!binary) return `Redis unavailable (${error ?? 'redis-server still not found after installing'})`;
    installed = true;
  }
  const dir = await mkdtemp(join(tmpdir(), 'tributary-redis-'));
  const port = await freePort();
  // No RDB snapshots, no AOF: a queue benchmark, not a durability test (BullMQ's own benchmarks
  // run Redis this way too). Listens on loopback only.
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
    '--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'warning'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  try {
    await waitForPong(port, child, 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    return `Redis did not start (${error instanceof Error ? error.message : error}) ${stderr.trim()}`;
  }
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.match(/v=(\S+)/)?.[1] ?? '?';
  return {
    host: '127.0.0.1',
    port,
    note: `Redis ${version} (${binary}${installed ? ', installed by this run' : ''}, no persistence)`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
