import { Command, Option } from 'commander';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { Client } from '../client.js';
import type { JobEvent } from '../events.js';
import { migrate } from '../migrate/migrate.js';
import { serveUi, type UiServer } from '../ui/serve.js';
import { REMINDER_DELAY_MS, demoWorkers, insertDemoJobs } from './demo-jobs.js';
import { databaseUrlOf, databaseUrlOption } from './options.js';
import { portNumber } from './parse.js';

interface DemoOptions {
  databaseUrl: string;
  schema: string;
  ui: boolean;
  port: number;
  host: string;
}

/** Give up on a graceful stop after this long (the database may be gone). */
const STOP_DEADLINE_MS = 10_000;

function report(outcome: string, { job, runDurationMs, error }: JobEvent): void {
  const why = error === undefined ? '' : `: ${error instanceof Error ? error.message : String(error)}`;
  const next = job.state === 'retryable' ? `; retry in ${Math.max(0, Math.round((job.scheduledAt.getTime() - Date.now()) / 1000))} s` : '';
  console.log(`${outcome.padEnd(9)} ${job.kind.padEnd(20)} job ${job.id}  attempt ${job.attempt}  ran ${runDurationMs} ms${why}${next}`);
}

/** Resolves at the first SIGINT or SIGTERM; a second one cancels running jobs. */
function untilSignal(client: Client): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (++received === 1) return resolve(signal);
      console.log(`${signal} again: cancelling running jobs`);
      void client.stopAndCancel();
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  });
}

async function demo(opts: DemoOptions): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrlOf(opts), max: 10 });
  pool.on('error', () => {});
  let ui: UiServer | undefined;
  const client = new Client({ pool, schema: opts.schema, queues: { default: { maxWorkers: 5 } }, workers: demoWorkers });
  // From the start, so a Ctrl-C during setup also stops gracefully.
  const stopRequested = untilSignal(client);
  try {
    const migrated = await migrate({ databaseUrl: opts.databaseUrl, schema: opts.schema });
    console.log(`schema ${migrated.schema}: ${migrated.applied.length > 0 ? `${migrated.applied.length} migration(s) applied` : 'up to date'}`);
    client.on('job_completed', (e) => report('completed', e));
    client.on('job_failed', (e) => report('failed', e));
    client.on('job_cancelled', (e) => report('cancelled', e));
    client.on('job_snoozed', (e) => report('snoozed', e));
    await client.start();
    if (opts.ui) {
      ui = await serveUi(client, { port: opts.port, host: opts.host });
      console.log(`UI: ${ui.url}`);
    }
    const ids = await insertDemoJobs(client, drizzle({ client: pool }));
    console.log(`inserted jobs ${ids.join(', ')}: demo_sync_inventory fails its first attempt and is retried; demo_send_reminder runs in ${REMINDER_DELAY_MS / 1000} s`);
    console.log(`inspect them with: tributary jobs list --schema ${opts.schema}`);
    console.log('working queue default; Ctrl-C to stop');
    const signal = await stopRequested;
    console.log(`${signal}: finishing running jobs, then stopping`);
  } finally {
    setTimeout(() => {
      console.error(`tributary: still stopping after ${STOP_DEADLINE_MS / 1000} s (is the database gone?); exiting`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    await client.stop();
    await ui?.close();
    await pool.end();
  }
  console.log('stopped');
}

/** `tributary demo`: a client working a few demo jobs until Ctrl-C, with the UI. */
export function demoCommand(): Command {
  return new Command('demo')
    .summary('work a few demo jobs until Ctrl-C, with the UI')
    .description(
      'work a few demo jobs on --database-url, in their own schema: outcomes print as they happen (one fails once and is retried, ' +
        'one is scheduled for later), the UI is served meanwhile; runs until Ctrl-C, which stops gracefully',
    )
    .addOption(new Option('--schema <name>', 'Postgres schema for the demo tables, created if missing').default('tributary_demo'))
    .option('--no-ui', 'do not serve the UI')
    .addOption(new Option('--port <n>', 'UI port; 0 picks a free one').default(8080).argParser(portNumber))
    .option('--host <host>', 'UI interface to bind', '127.0.0.1')
    .addOption(databaseUrlOption())
    .action(demo);
}
