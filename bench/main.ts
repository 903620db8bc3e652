/**
 * npm run bench [-- options]: Tributary against graphile-worker, pg-boss and BullMQ, side by side
 * in one run, on one Postgres (DATABASE_URL, or an embedded one with default settings), each
 * Postgres contender on its own database, BullMQ on a throwaway local Redis: drain, bulk insert
 * and latency (with default synchronous_commit, and off), then the drain again on a busy machine.
 * Then Tributary's own limits: pgbench running its statements, the drain on big tables
 * (with graphile-worker's backlog figure next to it), client memory, and several client
 * processes. Prints progress, tables, issue 13's targets met or not, and as the last line one
 * JSON object with every figure. See USAGE for the options.
 */
import { availableParallelism } from 'node:os';
import { startLocalPostgres } from '../tools/local-postgres.js';
import { measureBacklog, measureFinished, type BigContender, type BigRun } from './at-scale.js';
import { checkDiskRoom, fillBytes } from './big-table.js';
import { bullmqContender } from './bullmq.js';
import { startCpuLoop, type CpuLoop } from './busy.js';
import type { BenchSettings, Contender } from './contender.js';
import { createDatabase, dropDatabase, serverVersion } from './database.js';
import { graphileContender } from './graphile.js';
import { measureInsertLimit } from './insert-limit.js';
import { LIMIT_BATCH, measureLimit } from './limit.js';
import { CONTENDERS, readOptions, USAGE, type ContenderKey, type Options } from './options.js';
import { measure, noFigures, type ContenderPhase } from './phases.js';
import { pgbossContender } from './pgboss.js';
import { startLocalRedis, type LocalRedis } from './redis.js';
import { extras, summary, table, targetTable, type Measured, type Results } from './report.js';
import { drainInProcesses, tuningSet } from './scale.js';
import { measureFlowLimits } from './flow-limits.js';
import { measureCommitFloor } from './commit-floor.js';
import { measureSequences } from './flow-sequences.js';
import { measureWorkflows } from './workflows.js';
import { meanFetch, meanFlush, type StatementSizes } from './statement-sizes.js';
import { tributaryContender } from './tributary.js';

let options: Options;
try {
  options = readOptions();
} catch (error) {
  console.error(`${error instanceof Error ? error.message : error}\n${USAGE}`);
  process.exit(2);
}
const { settings, phases, contenders, bigJobs, scaleRows, backlog, limitClients, limitBatch } = options;

const log = (line: string) => console.log(line);
const postgres = await startLocalPostgres();
let redis: LocalRedis | string | undefined;
let cpuLoop: CpuLoop | undefined;
// One cleanup shared by every caller: exiting must wait for a stop already begun, or an embedded
// Postgres (or Redis) and its folder are left behind.
let stopping: Promise<void> | undefined;
const cleanUp = () =>
  (stopping ??= (async () => {
    await cpuLoop?.stop();
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

/** synchronous_commit off: a commit returns before its WAL reaches the disk, so it costs no disk flush. */
const SYNC_OFF = { synchronous_commit: 'off' };

/**
 * Builds one contender on a fresh database (or the local Redis), runs `work`, and cleans up.
 * `databaseSettings` become the database's own defaults (see createDatabase).
 */
async function withContender<T>(
  key: ContenderKey, work: (contender: Contender, url: string) => Promise<T>, databaseSettings: Record<string, string> = {},
): Promise<T | string> {
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
  const url = await createDatabase(postgres.url, database, databaseSettings);
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

/** A sentence for a phase that could not run, instead of failing the whole run. */
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

let exitCode = 0;
try {
  const version = await serverVersion(postgres.url);
  const results: Results = { contenders: [], durations: {}, notes: [] };
  /** Runs one phase's work, adding the time it took to `results.durations[phase]`. */
  const timed = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      results.durations[phase] = (results.durations[phase] ?? 0) + (performance.now() - started) / 1000;
    }
  };
  /** The contender's row of the side-by-side table, made on first use. */
  const entry = (key: ContenderKey): Measured => {
    let found = results.contenders.find((c) => c.key === key);
    if (!found) results.contenders.push((found = { key, name: NAMES[key], figures: noFigures() }));
    return found;
  };
  const skip = (what: string, why: string) => {
    log(`  skipped: ${why}`);
    results.notes.push(`${what} skipped: ${why}`);
  };
  const tuning = tuningSet();
  if (tuning.length) results.notes.push(`Tributary ran tuned by ${tuning.join(' ')} (except in the memory phase): not its defaults`);
  log(`Postgres ${version} (${postgres.embedded ? 'embedded, default settings' : 'DATABASE_URL'}), Node ${process.version}, ${availableParallelism()} cores`);
  log(`phases ${[...phases].join(',')}; ${settings.jobs} no-op jobs, concurrency ${settings.concurrency}, bulk insert in batches of ` +
    `${settings.batch}, latency over ${settings.latencyJobs} inserts ${settings.latencyIntervalMs} ms apart`);

  // Each contender in turn, never at once: each has the server to itself while it is measured.
  const own = new Set([...phases].filter((p): p is ContenderPhase => p === 'insert' || p === 'drain' || p === 'latency'));
  if (own.size > 0 || phases.has('latency-async')) {
    for (const key of contenders) {
      log(`\n${NAMES[key]}`);
      if (own.size > 0) {
        const figures = await timed([...own].join('+'), () => withContender(key, (contender) => measure(contender, settings, log, own)));
        if (typeof figures === 'string') {
          skip(NAMES[key], figures);
          continue;
        }
        Object.assign(entry(key).figures, figures);
      }
      if (!phases.has('latency-async')) continue;
      if (key === 'bullmq') {
        log('  latency, synchronous_commit off: not applicable (Redis without persistence never waits for a disk)');
        continue;
      }
      const label = 'synchronous_commit off, ';
      const figures = await timed('latency-async', () =>
        withContender(key, (contender) => measure(contender, settings, log, new Set(['latency']), label), SYNC_OFF));
      if (typeof figures === 'string') skip(`${NAMES[key]} latency with synchronous_commit off`, figures);
      else Object.assign(entry(key).figures, { latencyAsyncP50Ms: figures.latencyP50Ms, latencyAsyncP99Ms: figures.latencyP99Ms });
    }
    if (typeof redis === 'object') results.notes.push(`BullMQ on ${redis.note}`);
  }
  const emptyDrain = (key: ContenderKey) => results.contenders.find((c) => c.key === key)?.figures.drainPerSec ?? NaN;
  // The phases that compare Tributary with graphile-worker alone.
  const pair = (['tributary', 'graphile'] as const).filter((k) => k === 'tributary' || contenders.includes(k));

  if (phases.has('busy')) {
    await timed('busy', async () => {
      cpuLoop = startCpuLoop();
      log(`\nbusy: the drain again while a CPU loop (child process ${cpuLoop.pid}, started for this phase, killed after it) keeps one core busy`);
      try {
        for (const key of pair) {
          const figures = await withContender(key, (contender) => measure(contender, settings, log, new Set(['drain']), `${NAMES[key]}, one core busy, `));
          if (typeof figures === 'string') skip(`${NAMES[key]} on a busy machine`, figures);
          else entry(key).figures.busyDrainPerSec = figures.drainPerSec;
        }
      } finally {
        const loopCpuShare = await cpuLoop.stop();
        cpuLoop = undefined;
        results.busy = { loopCpuShare, cores: availableParallelism() };
        log(`  CPU loop killed; it got ${loopCpuShare.toFixed(2)} of a core while it ran`);
      }
    });
  }

  if (phases.has('limit')) {
    await timed('limit', async () => {
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
      log(`  the insert limit: pgbench inserting ${settings.batch} rows a transaction built on the server, ${settings.jobs} jobs per run`);
      results.insertLimit = await measureInsertLimit(postgres.url, settings, [1, 2], log);
      if (typeof results.insertLimit === 'string') log(`  ${results.insertLimit}`);
    });
  }

  const bigRun: BigRun = {
    runOn: (key, work) => withContender(key, work), settings, log, emptyDrain: (key: BigContender) => emptyDrain(key),
  };
  /** The disk check before a big fill: a line saying what was checked, or undefined (and a note) when there is not room. */
  const roomFor = async (phase: string, rows: number) => {
    try {
      log(`  disk: ${await checkDiskRoom(postgres.url, fillBytes(rows))}`);
      return true;
    } catch (error) {
      skip(phase, reason(error));
      return false;
    }
  };

  if (phases.has('scale')) {
    await timed('scale', async () => {
      const scheduled = Math.round(scaleRows / 10);
      log(`\nat scale: ${scaleRows.toLocaleString('en-US')} finished and ${scheduled.toLocaleString('en-US')} scheduled jobs already in river_job ` +
        `(graphile-worker deletes finished jobs: Tributary alone)`);
      if (!(await roomFor('scale', scaleRows + scheduled))) return;
      const run = await measureFinished(bigRun, scaleRows, scheduled);
      if (typeof run === 'string') skip('scale', run);
      else results.atScale = { finished: scaleRows, scheduled, jobs: settings.jobs, runs: [run] };
    });
  }

  if (phases.has('backlog')) {
    await timed('backlog', async () => {
      log(`\nbacklog: the drain of the first ${settings.jobs.toLocaleString('en-US')} of ${backlog.toLocaleString('en-US')} available jobs`);
      if (!(await roomFor('backlog', backlog))) return;
      const runs = await measureBacklog(bigRun, backlog, pair);
      for (const run of runs) if (typeof run === 'string') skip('a backlog run', run);
      results.backlog = { backlog, jobs: settings.jobs, runs: runs.filter((run) => typeof run === 'object') };
    });
  }

  if (phases.has('memory')) {
    await timed('memory', async () => {
      log(`\nmemory: one Tributary client process with its defaults draining ${bigJobs.toLocaleString('en-US')} jobs`);
      results.memory = await drainInProcesses(postgres.url, settings, 1, bigJobs, { defaults: true });
      log(`  peak RSS ${(Math.max(results.memory.peakRss, results.memory.maxRss) / 2 ** 20).toFixed(0)} MB, drain ${Math.round(results.memory.jobsPerSec)} jobs/s`);
    });
  }

  if (phases.has('scaleout')) {
    await timed('scaleout', async () => {
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
    });
  }

  if (phases.has('sequences')) {
    await timed('sequences', async () => {
      log('\nsequences: 1,000 keys x 10 jobs drained by 2 Tributary client processes, against the unlimited drain');
      results.sequences = await measureSequences(postgres.url, settings, log);
    });
  }

  if (phases.has('limits') || phases.has('workflows')) {
    // Every limited slot's hand-off and every workflow link waits for at least one commit.
    results.commitFloor = await measureCommitFloor(postgres.url);
    log(`\none durable commit (a one-row UPDATE, 300 in a row): p50 ${results.commitFloor.p50Ms.toFixed(2)} ms, p90 ${results.commitFloor.p90Ms.toFixed(2)} ms`);
  }

  if (phases.has('limits')) {
    await timed('limits', async () => {
      log('\nlimits: concurrency and rate limits across 3 Tributary client processes');
      results.flowLimits = await measureFlowLimits(postgres.url, 10_000, log).catch(reason);
      if (typeof results.flowLimits === 'string') skip('limits', results.flowLimits);
    });
  }

  if (phases.has('workflows')) {
    await timed('workflows', async () => {
      log('\nworkflows: 10,000-task graphs drained by one Tributary client, beside 10,000 plain jobs');
      results.workflows = await measureWorkflows(postgres.url, settings, log);
    });
  }

  // Tributary first, then the others in the usual order: every ratio is Tributary / the other.
  results.contenders.sort((a, b) => CONTENDERS.indexOf(a.key as ContenderKey) - CONTENDERS.indexOf(b.key as ContenderKey));
  if (results.contenders.length > 0) log(`\n${table(results)}`);
  log(`\n${extras(results)}`);
  log(`\n${targetTable(results)}\n`);
  log(summary(results, settings, {
    postgres: version, node: process.version, cores: availableParallelism(), phases: [...phases], contenders, bigJobs, scaleRows, backlog,
    limitClients, limitBatch: typeof results.limit === 'object' ? results.limit.batch : limitBatch, tuning,
  }));
} catch (error) {
  if (signalled === undefined) console.error('bench failed:', error);
  exitCode = 1;
} finally {
  await cleanUp();
}
process.exit(signalled ?? exitCode);
