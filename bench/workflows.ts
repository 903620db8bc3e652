/**
 * The workflows phase (issue 15): 10,000-task graphs drained by one Tributary client in this
 * process, beside 10,000 plain jobs drained the same way in the same run, each on a fresh
 * database: fan-out (1 parent, 9,999 children), fan-in (9,999 parents, 1 child), layered (20
 * layers of 500, each task waiting on 3 of the layer before), and a chain of 1,000. Drains are
 * timed from the client's start to its last completion. The fan-in's and chain's latencies are
 * the worker's own clock: a task's work function starting, after the last of its dependencies'
 * work functions returned (before its outcome was written), joined to the rows by job id.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { Client, defineJob, migrate, work, type TaskRef, type Workflow } from 'tributary-queue';
import * as v from 'valibot';
import type { BenchSettings } from './contender.js';
import { createDatabase, dropDatabase } from './database.js';
import { percentile, perSecond } from './stats.js';

export interface WorkflowsResult {
  tasks: number;
  plainPerSec: number;
  fanOutPerSec: number;
  layeredPerSec: number;
  fanInPerSec: number;
  /** The fan-in child's start after its last parent's completion, ms. */
  fanInStartMs: number;
  chainLinks: number;
  chainPerSec: number;
  /** A chain link: a task's start after its dependency's completion, ms. */
  chainP50Ms: number;
  chainP99Ms: number;
}

const TASKS = 10_000;
const LAYERS = 20;
const LAYER_DEPS = 3;
const CHAIN = 1_000;

const noop = defineJob({ kind: 'wf_noop', args: v.object({ i: v.number() }) });

type Ref = TaskRef<typeof noop>;
type Build = (wf: Workflow) => void;

const fanOut: Build = (wf) => {
  const parent = wf.add('parent', noop, { i: 0 });
  for (let i = 1; i < TASKS; i++) wf.add(`child ${i}`, noop, { i }, { deps: [parent] });
};
const fanIn: Build = (wf) => {
  const parents = Array.from({ length: TASKS - 1 }, (_, i) => wf.add(`parent ${i}`, noop, { i }));
  wf.add('child', noop, { i: TASKS }, { deps: parents });
};
const layered: Build = (wf) => {
  const width = TASKS / LAYERS;
  let previous: Ref[] = [];
  for (let layer = 0; layer < LAYERS; layer++) {
    previous = Array.from({ length: width }, (_, i) => wf.add(`${layer}.${i}`, noop, { i }, {
      deps: previous.length === 0 ? [] : Array.from({ length: LAYER_DEPS }, (_, d) => previous[(i + d) % width]!),
    }));
  }
};
const chain: Build = (wf) => {
  let previous: Ref | undefined;
  for (let i = 0; i < CHAIN; i++) previous = wf.add(`link ${i}`, noop, { i }, { deps: previous ? [previous] : [] });
};

/** When each job's work function started and returned, by job id (performance.now(), ms). */
type Runs = Map<number, { start: number; end: number }>;

/** Inserts the jobs (a graph, or plain jobs), then drains them with a fresh client; returns jobs/s, the work functions' times and the database's pool for reading rows. */
async function drain(url: string, settings: BenchSettings, jobs: number, insert: (client: Client, db: ReturnType<typeof drizzle>) => Promise<void>) {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => {});
  const db = drizzle(pool);
  const inserter = new Client();
  await insert(inserter, db);
  let done = 0;
  let lastAt = 0;
  const runs: Runs = new Map();
  let finished!: () => void;
  const all = new Promise<void>((resolve) => (finished = resolve));
  const client = new Client({
    pool,
    queues: { default: { maxWorkers: settings.concurrency } },
    logger: { debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) },
    workers: [work(noop, (job) => {
      const start = performance.now();
      runs.set(job.id, { start, end: performance.now() });
    })],
  });
  client.on('job_completed', () => {
    if (++done === jobs) {
      lastAt = performance.now();
      finished();
    }
  });
  const startedAt = performance.now();
  await client.start();
  await all;
  await client.stop();
  return { jobsPerSec: perSecond(jobs, lastAt - startedAt), pool, runs };
}

async function onFreshDatabase<T>(serverUrl: string, name: string, run: (url: string) => Promise<T>): Promise<T> {
  const database = `tributary_bench_wf_${name}`;
  const url = await createDatabase(serverUrl, database);
  try {
    await migrate({ databaseUrl: url });
    return await run(url);
  } finally {
    await dropDatabase(serverUrl, database);
  }
}

const graph = (build: Build) => async (client: Client, db: ReturnType<typeof drizzle>) => {
  const wf = client.workflow({ name: 'bench' });
  build(wf);
  await db.transaction((tx) => wf.insert(tx));
};

/** A task's start after its deps' last completion, ms, for every task with deps: work function to work function. */
async function startAfterDeps(pool: pg.Pool, runs: Runs): Promise<number[]> {
  const { rows } = await pool.query(`SELECT id, metadata->'tributary:workflow'->>'task' AS task, metadata->'tributary:workflow'->'deps' AS deps FROM river_job`);
  const idOf = new Map(rows.map((r) => [r.task as string, Number(r.id)]));
  return rows.filter((r) => r.deps.length > 0).map((r) => {
    const lastEnd = Math.max(...(r.deps as string[]).map((dep) => runs.get(idOf.get(dep)!)!.end));
    return runs.get(Number(r.id))!.start - lastEnd;
  });
}

/** The whole phase. */
export async function measureWorkflows(serverUrl: string, settings: BenchSettings, log: (line: string) => void): Promise<WorkflowsResult> {
  const timed = (name: string, jobs: number, insert: Parameters<typeof drain>[3], after?: (pool: pg.Pool, runs: Runs) => Promise<number[]>) =>
    onFreshDatabase(serverUrl, name, async (url) => {
      const { jobsPerSec, pool, runs } = await drain(url, settings, jobs, insert);
      try {
        return { jobsPerSec, samples: after ? await after(pool, runs) : [] };
      } finally {
        await pool.end();
      }
    });
  const plain = await timed('plain', TASKS, async (client, db) => {
    for (let i = 0; i < TASKS; i += 1000) await client.insertMany(db, Array.from({ length: 1000 }, (_, k) => ({ job: noop, args: { i: i + k } })));
  });
  log(`  plain: ${Math.round(plain.jobsPerSec)} jobs/s`);
  const out = await timed('fanout', TASKS, graph(fanOut));
  log(`  fan-out 1 x ${TASKS - 1}: ${Math.round(out.jobsPerSec)} jobs/s, ${(out.jobsPerSec / plain.jobsPerSec).toFixed(2)}x plain`);
  const layers = await timed('layered', TASKS, graph(layered));
  log(`  layered ${LAYERS} x ${TASKS / LAYERS}, ${LAYER_DEPS} deps each: ${Math.round(layers.jobsPerSec)} jobs/s, ${(layers.jobsPerSec / plain.jobsPerSec).toFixed(2)}x plain`);
  const into = await timed('fanin', TASKS, graph(fanIn), startAfterDeps);
  log(`  fan-in ${TASKS - 1} x 1: ${Math.round(into.jobsPerSec)} jobs/s; the child started ${into.samples[0]?.toFixed(1)} ms after its last parent completed`);
  const links = await timed('chain', CHAIN, graph(chain), startAfterDeps);
  const [p50, p99] = [percentile(links.samples, 50), percentile(links.samples, 99)];
  log(`  chain of ${CHAIN}: ${Math.round(links.jobsPerSec)} jobs/s; a link (completion to the next start) p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
  return {
    tasks: TASKS,
    plainPerSec: plain.jobsPerSec,
    fanOutPerSec: out.jobsPerSec,
    layeredPerSec: layers.jobsPerSec,
    fanInPerSec: into.jobsPerSec,
    fanInStartMs: into.samples[0] ?? NaN,
    chainLinks: links.samples.length,
    chainPerSec: links.jobsPerSec,
    chainP50Ms: p50,
    chainP99Ms: p99,
  };
}
