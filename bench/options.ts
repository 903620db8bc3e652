/**
 * The bench's command line: its phases, contenders and sizes, read and checked once, and the
 * usage text (which also says what each phase measures and how long it takes).
 */
import { parseArgs } from 'node:util';
import type { BenchSettings } from './contender.js';
import { LIMIT_BATCH } from './limit.js';

export const PHASES = ['drain', 'insert', 'latency', 'latency-async', 'busy', 'limit', 'scale', 'backlog', 'memory', 'scaleout', 'sequences', 'limits', 'workflows'] as const;
export const CONTENDERS = ['tributary', 'graphile', 'pgboss', 'bullmq'] as const;
export type Phase = (typeof PHASES)[number];
export type ContenderKey = (typeof CONTENDERS)[number];

export const USAGE = `usage: npm run bench [-- options]
  --phases LIST        of ${PHASES.join(',')} (default: all)
  --contenders LIST    of ${CONTENDERS.join(',')} (default: all; busy and backlog measure
                       Tributary and graphile-worker, limit, scale, memory and scaleout
                       Tributary, whatever this says)
  --jobs N             jobs inserted and drained by drain, insert, busy, limit, scale and backlog
                       (default 50000)
  --big-jobs N         jobs drained by memory and scaleout (default 100000)
  --scale-rows N       finished rows of the scale phase, plus N/10 scheduled ones (default 10000000)
  --backlog N          available jobs waiting in the backlog phase, at least --jobs (default 1000000)
  --limit-clients LIST pgbench client counts tried by the limit phase (default 1,2,4,8,50)
  --limit-batch N      jobs fetched and completed per pgbench transaction (default: the mean
                       fetch of a Tributary drain run just before, the runtime's own batch)

phases, each contender on a fresh database; the times are those of one default run on 2 cores
shared with other work (1-minute load average 1.3 to 4.8, the bench itself included), 6 min 20 s
in all:
  drain, insert, latency per contender: bulk insert of --jobs jobs in batches of 1,000, their
                       drain 50 at a time, then the latency from insert commit to handler start
                       over 300 inserts 10 ms apart (default synchronous_commit)                 70 s
  latency-async        the latency again on databases with synchronous_commit = off
                       (ALTER DATABASE ... SET), the Postgres contenders                         15 s
  busy                 Tributary's and graphile-worker's drain again while a CPU loop child
                       process keeps one core busy (started for the phase, killed after)         15 s
  limit                pgbench running Tributary's fetch and complete statements, then
                       pgbench's INSERT ... SELECT of 1,000 server-built rows (1 and 2
                       connections) and Tributary's bulk insert right after                      50 s
  scale                Tributary's drain with --scale-rows finished (+ N/10 scheduled) rows
                       in river_job, filled in SQL with the indexes built after, then VACUUM
                       ANALYZE (the fill: 124 s here, 175 s on a busier machine)                130 s
  backlog              the drain of the first --jobs of --backlog available jobs (the rest
                       filled in SQL, then VACUUM ANALYZE), Tributary and graphile-worker        30 s
  memory               peak RSS of one Tributary client process with its defaults
                       (TRIBUTARY_PREFETCH and TRIBUTARY_POOL_MAX ignored) draining --big-jobs   10 s
  scaleout             --big-jobs jobs drained by 1, 2 and 4 client processes                    25 s
  sequences            1,000 sequence keys x 10 no-op jobs drained by 2 client processes, order
                       and overlap checked from each job's start and end, against the unlimited
                       drain of 10,000 jobs by the same processes just before (bench/flow-sequences.ts) 15 s
  limits               concurrency and rate limits across 3 client processes: globalLimit 3
                       with 50 ms jobs (most running at once, utilization), the same per
                       partition, rateLimit 20/s (most starts in any 1 s, backlog start rate),
                       and 10,000 no-op jobs on an unlimited vs a limited queue (drain ratio);
                       15 client processes started in all (44 s at a load average of 5 to 10)     45 s
  workflows            10,000-task workflows drained by one client, each on a fresh database, beside
                       10,000 plain jobs: fan-out 1 x 9,999, layered 20 x 500 (3 deps each),
                       fan-in 9,999 x 1 (the child's start after its last parent) and a chain of
                       1,000 (each link's start after its dependency's completion)               60 s
TRIBUTARY_PREFETCH=n and TRIBUTARY_POOL_MAX=n tune Tributary away from its defaults, to compare.`;

export interface Options {
  settings: BenchSettings;
  phases: Set<Phase>;
  contenders: ContenderKey[];
  bigJobs: number;
  scaleRows: number;
  backlog: number;
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

/** The options of this process's command line; prints the usage and exits on --help, throws on a bad value. */
export function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      jobs: { type: 'string' }, 'big-jobs': { type: 'string' }, 'scale-rows': { type: 'string' }, backlog: { type: 'string' }, phases: { type: 'string' },
      contenders: { type: 'string' }, 'limit-clients': { type: 'string' }, 'limit-batch': { type: 'string' }, help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const jobs = count(values.jobs, 50_000, '--jobs');
  const limitClients = (values['limit-clients'] ?? '1,2,4,8,50').split(',').map((s) => count(s, 1, '--limit-clients'));
  const backlog = count(values.backlog, 1_000_000, '--backlog');
  if (backlog < jobs) throw new Error(`--backlog must be at least --jobs (${jobs}), got ${backlog}`);
  return {
    settings: { jobs, batch: 1_000, concurrency: 50, localQueue: 500, latencyJobs: 300, latencyIntervalMs: 10 },
    phases: new Set(list(values.phases, PHASES, 'phase')),
    contenders: list(values.contenders, CONTENDERS, 'contender'),
    bigJobs: count(values['big-jobs'], 100_000, '--big-jobs'),
    scaleRows: count(values['scale-rows'], 10_000_000, '--scale-rows'),
    backlog,
    limitClients,
    limitBatch: values['limit-batch'] === undefined ? undefined : count(values['limit-batch'], LIMIT_BATCH, '--limit-batch'),
  };
}

