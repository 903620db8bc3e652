/**
 * npm run bench [-- options]: Tributary against graphile-worker, pg-boss and BullMQ, side by side
 * in one run, on one Postgres (DATABASE_URL, or an embedded one with default settings), each
 * Postgres contender on its own database, BullMQ on a throwaway local Redis. Then Tributary's
 * own limits: pgbench running its statements, a drain on a big table, client memory, and
 * several client processes. Prints progress, tables, and as the last line one JSON object with
 * every figure. See USAGE for the options.
 */
import { parseArgs } from 'node:util';
import { startLocalPostgres } from '../tools/local-postgres.js';
import { bullmqContender } from './bullmq.js';
import type { BenchSettings, Contender } from './contender.js';
import { createDatabase, dropDatabase, serverVersion } from './database.js';
import { graphileContender } from './graphile.js';
import { LIMIT_BATCH, measureLimit } from './limit.js';
import { measure, type ContenderPhase } from './phases.js';
import { pgbossContender } from './pgboss.js';
import { startLocalRedis, type LocalRedis } from './redis.js';
import { extras, summary, table, type AtScale, type Results } from './report.js';
import { drainInProcesses, fillGraphileAtScale, fillTributaryAtScale, tuningSet } from './scale.js';
import { meanFetch, meanFlush, type StatementSizes } from './statement-sizes.js';
import { tributaryContender } from './tributary.js';

const PHASES = ['drain', 'insert', 'latency', 'limit', 'scale', 'memory', 'scaleout'] as const;
const CONTENDERS = ['tributary', 'graphile', 'pgboss', 'bullmq'] as const;
type Phase = (typeof PHASES)[number];
type ContenderKey = (typeof CONTENDERS)[number];

const USAGE = `usage: npm run bench [-- options]
  --phases LIST        of ${PHASES.join(',')} (default: all)
  --contenders LIST    of ${CONTENDERS.join(',')} (default: all; limit, scale, memory and
                       scaleout measure Tributary whatever this says)
  --jobs N             jobs inserted and drained by drain, insert, limit and scale (default 50000)
  --big-jobs N         jobs drained by memory and scaleout (default 100000)
  --scale-rows N       finished rows of the scale phase, plus N/10 scheduled ones (default 1000000)
  --limit-clients LIST pgbench client counts tried by the limit phase (default 1,2,4,8,50)
  --limit-batch N      jobs fetched and completed per pgbench transaction (default: the mean
                       fetch of a Tributary drain run just before, the runtime's own batch)`;

interface Options {
  settings: BenchSettings;
  phases: Set<Phase>;
  contenders: ContenderKey[];
  bigJobs: number;
  scaleRows: number;
  limitClients: number[];
  /** Undefined: measured, as the runtime's mean fetch in a drain. */
  limitBatch: number | undefined;
}

function list<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`unknown ${what} "${item}"`);
  return allowed.filter((a) => items.includes(a)); // in the canonical order
}

function count(value: string | undefined, fallback: number, what: string): number {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got ${value}`);
  return n;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      jobs: { type: 'string' }, 'big-jobs': { type: 'string' }, 'scale-rows': { type: 'string' }, phases: { type: 'string' },
      contenders: { type: 'string' }, 'limit-clients': { type: 'string' }, 'limit-batch': { type: 'string' }, help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const jobs = count(values.jobs, 50_000, '--jobs');
  const limitClients = (values['limit-clients'] ?? '1,2,4,8,50').split(',').map((s) => count(s, 1, '--limit-clients'));
  return {
    settings: { jobs, batch: 1_000, concurrency: 50, localQueue: 500, latencyJobs: 300, latencyIntervalMs: 10 },
    phases: new Set(list(values.phases, PHASES, 'phase')),
    contenders: list(values.contenders, CONTENDERS, 'contender'),
    bigJobs: count(values['big-jobs'], 100_000, '--big-jobs'),
    scaleRows: count(values['scale-rows'], 1_000_000, '--scale-rows'),
    limitClients,
    limitBatch: values['limit-batch'] === undefined ? undefined : count(values['limit-batch'], LIMIT_BATCH, '--limit-batch'),
  };
}

let options: Options;
try {
  options = readOptions();
} catch (error) {
  console.error(`${error instanceof Error ? error.message : error}\n${USAGE}`);
  process.exit(2);
}
const { settings, phases, contenders, bigJobs, scaleRows, limitClients, limitBatch } = options;

const log = (line: string) => console.log(line);
const postgres = await startLocalPostgres();
let redis: LocalRedis | string | undefined;
// One cleanup shared by every caller: exiting must wait for a stop already begun, or an embedded
// Postgres (or Redis) and its folder are left behind.
let stopping: Promise<void> | undefined;
const cleanUp = () =>
  (stopping ??= (async () => {
    if (typeof redis === 'object') await redis.stop().catch((error) => console.error('could not stop Redis:', error));
    await postgres.stop().catch((error) => console.error('could not stop Postgres:', error));
  })());
// Ctrl-C stops the servers under the running bench; the errors that follow are its echo, not news.
let signalled: number | undefined;
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    signalled = code;
    void cleanUp().then(() => process.exit(code));
  });
}

const NAMES: Record<ContenderKey, string> = { tributary: 'Tributary', graphile: 'graphile-worker', pgboss: 'pg-boss', bullmq: 'BullMQ' };
const POSTGRES_CONTENDERS: Partial<Record<ContenderKey, (url: string, s: BenchSettings) => Promise<Contender>>> = {
  tributary: tributaryContender, graphile: graphileContender, pgboss: pgbossContender,
};

/** Builds one contender on a fresh database (or the local Redis), runs `work`, and cleans up. */
async function withContender<T>(key: ContenderKey, work: (contender: Contender, url: string) => Promise<T>): Promise<T | string> {
  if (key === 'bullmq') {
    redis ??= await startLocalRedis(log);
    if (typeof redis === 'string') return redis;
    const contender = await bullmqContender(redis, settings);
    try {
      return await work(contender, '');
    } finally {
      await contender.close();
    }
  }
  const database = `tributary_bench_${key}`;
  const url = await createDatabase(postgres.url, database);
  try {
    const contender = await POSTGRES_CONTENDERS[key]!(url, settings);
    try {
      return await work(contender, url);
    } finally {
      await contender.close();
    }
  } finally {
    await dropDatabase(postgres.url, database);
  }
}

let exitCode = 0;
try {
  const version = await serverVersion(postgres.url);
  const results: Results = { contenders: [], notes: [] };
  const tuning = tuningSet();
  if (tuning.length) results.notes.push(`Tributary ran tuned by ${tuning.join(' ')} (except in the memory phase): not its defaults`);
  log(`Postgres ${version} (${postgres.embedded ? 'embedded, default settings' : 'DATABASE_URL'}), Node ${process.version}`);
  log(`phases ${[...phases].join(',')}; ${settings.jobs} no-op jobs, concurrency ${settings.concurrency}, bulk insert in batches of ` +
    `${settings.batch}, latency over ${settings.latencyJobs} inserts ${settings.latencyIntervalMs} ms apart`);

  // Each contender in turn, never at once: each has the server to itself while it is measured.
  const own = new Set([...phases].filter((p): p is ContenderPhase => p === 'insert' || p === 'drain' || p === 'latency'));
  if (own.size > 0) {
    for (const key of contenders) {
      log(`\n${NAMES[key]}`);
      const figures = await withContender(key, (contender) => measure(contender, settings, log, own));
      if (typeof figures === 'string') {
        log(`  skipped: ${figures}`);
        results.notes.push(`${NAMES[key]} skipped: ${figures}`);
      } else {
        results.contenders.push({ key, name: NAMES[key], figures });
      }
    }
    if (typeof redis === 'object') results.notes.push(`BullMQ on ${redis.note}`);
  }
  const emptyDrain = (key: ContenderKey) => results.contenders.find((c) => c.key === key)?.figures.drainPerSec ?? NaN;

  if (phases.has('limit')) {
    log(`\nlimit: Tributary's fetch and complete statements run by pgbench (${settings.jobs} jobs per run)`);
    let sizes: StatementSizes | undefined;
    const tributaryDrain = async () => {
      const figures = await withContender('tributary', async (contender) => {
        const measured = await measure(contender, settings, () => {}, new Set(['drain']));
        sizes = contender.statementSizes;
        return measured;
      });
      return typeof figures === 'string' ? NaN : figures.drainPerSec;
    };
    let batch = limitBatch;
    if (batch === undefined) {
      // pgbench runs the runtime's statements with the runtime's own batch sizes, as measured.
      await tributaryDrain();
      const fetch = sizes ? meanFetch(sizes) : NaN;
      batch = Number.isFinite(fetch) ? Math.max(1, Math.round(fetch)) : LIMIT_BATCH;
      log(`  a Tributary drain with defaults fetched ${Math.round(fetch)} jobs per fetch and completed ${Math.round(sizes ? meanFlush(sizes) : NaN)} per flush, on average: pgbench fetches and completes ${batch} per transaction`);
    }
    results.limit = await measureLimit(postgres.url, settings, limitClients, batch, log, tributaryDrain);
    if (typeof results.limit === 'string') log(`  ${results.limit}`);
  }

  if (phases.has('scale')) {
    const scheduled = Math.round(scaleRows / 10);
    log(`\nat scale: ${scaleRows.toLocaleString('en-US')} finished and ${scheduled.toLocaleString('en-US')} scheduled jobs already in the table`);
    const runs: AtScale[] = [];
    for (const key of (['tributary', 'graphile'] as const).filter((k) => k === 'tributary' || contenders.includes(k))) {
      const run = await withContender(key, async (contender, url) => {
        const started = performance.now();
        if (key === 'tributary') await fillTributaryAtScale(url, scaleRows, scheduled);
        else await fillGraphileAtScale(url, scheduled);
        log(`  ${NAMES[key]}: filled in ${((performance.now() - started) / 1000).toFixed(0)} s`);
        const figures = await measure(contender, settings, log, new Set(['insert', 'drain']), `${NAMES[key]} at scale, `);
        return figures;
      });
      if (typeof run === 'string') continue;
      runs.push({
        key, name: NAMES[key], insertPerSec: run.insertPerSec, drainPerSec: run.drainPerSec, emptyDrainPerSec: emptyDrain(key),
        holding: key === 'tributary'
          ? `${scaleRows.toLocaleString('en-US')} finished + ${scheduled.toLocaleString('en-US')} scheduled rows`
          : `${scheduled.toLocaleString('en-US')} scheduled rows; it deletes finished jobs`,
      });
    }
    results.atScale = { finished: scaleRows, scheduled, jobs: settings.jobs, runs };
  }

  if (phases.has('memory')) {
    log(`\nmemory: one Tributary client process with its defaults draining ${bigJobs.toLocaleString('en-US')} jobs`);
    results.memory = await drainInProcesses(postgres.url, settings, 1, bigJobs, { defaults: true });
    log(`  peak RSS ${(results.memory.peakRss / 2 ** 20).toFixed(0)} MB, drain ${Math.round(results.memory.jobsPerSec)} jobs/s`);
  }

  if (phases.has('scaleout')) {
    log(`\nscale-out: ${bigJobs.toLocaleString('en-US')} jobs drained by 1, 2 and 4 Tributary client processes`);
    results.scaleOut = [];
    for (const processes of [1, 2, 4]) {
      // One process draining bigJobs is exactly the memory phase's run (when nothing tunes Tributary here): reuse it.
      const run = processes === 1 && results.memory && tuning.length === 0
        ? results.memory
        : await drainInProcesses(postgres.url, settings, processes, bigJobs);
      results.scaleOut.push(run);
      log(`  ${processes} process(es): ${Math.round(run.jobsPerSec)} jobs/s`);
    }
  }

  if (results.contenders.length > 0) log(`\n${table(results)}`);
  log(`\n${extras(results)}\n`);
  log(summary(results, settings, { postgres: version, node: process.version, phases: [...phases], contenders, bigJobs, scaleRows, limitClients, limitBatch: typeof results.limit === 'object' ? results.limit.batch : limitBatch }));
} catch (error) {
  if (signalled === undefined) console.error('bench failed:', error);
  exitCode = 1;
} finally {
  await cleanUp();
}
process.exit(signalled ?? exitCode);
