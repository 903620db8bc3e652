/**
 * npm run bench [-- --jobs N]: Tributary and graphile-worker side by side, in one run, on one
 * Postgres (DATABASE_URL, or an embedded one with default settings), each on its own database.
 * Prints progress, a table, and as the last line one JSON object with every figure.
 */
import { parseArgs } from 'node:util';
import { startLocalPostgres } from '../tools/local-postgres.js';
import type { BenchSettings, Contender } from './contender.js';
import { createDatabase, dropDatabase, serverVersion } from './database.js';
import { graphileContender } from './graphile.js';
import { measure, type Figures } from './phases.js';
import { summary, table } from './report.js';
import { tributaryContender } from './tributary.js';

const USAGE = 'usage: npm run bench [-- --jobs N]   (N jobs to insert and drain; default 20000)';

function readSettings(): BenchSettings {
  const { values } = parseArgs({ options: { jobs: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const jobs = Number(values.jobs ?? 20_000);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs must be a positive integer, got ${values.jobs}`);
  return { jobs, batch: 1_000, concurrency: 50, localQueue: 500, latencyJobs: 300, latencyIntervalMs: 10 };
}

let settings: BenchSettings;
try {
  settings = readSettings();
} catch (error) {
  console.error(`${error instanceof Error ? error.message : error}\n${USAGE}`);
  process.exit(2);
}

const log = (line: string) => console.log(line);
const postgres = await startLocalPostgres();
// One stop shared by every caller: exiting must wait for a stop already begun, or an embedded
// Postgres and its folder are left behind.
let stopping: Promise<void> | undefined;
const stopPostgres = () => (stopping ??= postgres.stop().catch((error) => console.error('could not stop Postgres:', error)));
// Ctrl-C stops Postgres under the running bench; the errors that follow are its echo, not news.
let signalled: number | undefined;
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    signalled = code;
    void stopPostgres().then(() => process.exit(code));
  });
}

const contenders: Array<{ database: string; make: (url: string, s: BenchSettings) => Promise<Contender> }> = [
  { database: 'tributary_bench_tributary', make: tributaryContender },
  { database: 'tributary_bench_graphile', make: graphileContender },
];

let exitCode = 0;
try {
  const version = await serverVersion(postgres.url);
  log(`Postgres ${version} (${postgres.embedded ? 'embedded, default settings' : 'DATABASE_URL'}), Node ${process.version}`);
  log(`${settings.jobs} no-op jobs, concurrency ${settings.concurrency}, bulk insert in batches of ${settings.batch}, ` +
    `latency over ${settings.latencyJobs} inserts ${settings.latencyIntervalMs} ms apart`);
  const figures: Figures[] = [];
  // One after the other, never at once: each has the server to itself while it is measured.
  for (const { database, make } of contenders) {
    const url = await createDatabase(postgres.url, database);
    const contender = await make(url, settings);
    log(`\n${contender.name}`);
    try {
      figures.push(await measure(contender, settings, log));
    } finally {
      await contender.close();
      await dropDatabase(postgres.url, database);
    }
  }
  const [tributary, graphile] = figures as [Figures, Figures];
  log(`\n${table(tributary, graphile)}\n`);
  log(summary(tributary, graphile, settings, { postgres: version, node: process.version }));
} catch (error) {
  if (signalled === undefined) console.error('bench failed:', error);
  exitCode = 1;
} finally {
  await stopPostgres();
}
process.exit(signalled ?? exitCode);
