/**
 * sigterm and sigterm-double: 3 worker processes running the README's SIGTERM snippet, under load
 * with jobs of 1 to 4 s. Every few seconds one process with running jobs gets SIGTERM (a deploy)
 * and a replacement starts at once. One SIGTERM: every job it was running must finish (not run
 * again), and the process must exit within the longest job plus a margin. Two SIGTERMs: its
 * running jobs are aborted, recorded as failed attempts and retried later, and it exits quickly.
 * Nothing may be lost in either.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { drained, jobsByState, notCompleted, unfinishedJobs } from '../database-checks.js';
import { rerunFigures } from '../figures.js';
import { randomMs } from '../jobs.js';
import { insertJobs, steadyLoad } from '../load.js';
import type { WorkerProcess, WorkerSet } from '../process-pool.js';
import type { Scenario, ScenarioContext } from '../scenario.js';

const QUEUE = 'slow';
const JOB_MS = [1000, 4000] as const;
const SECOND_SIGNAL_AFTER_MS = 300;
const ROUND_EVERY_MS = 4000;
/** One SIGTERM: the longest job, then writing outcomes and exiting. Two: aborting is immediate. */
const EXIT_BOUND_MS = { single: JOB_MS[1] + 6000, double: 5000 };
const DRAIN_MS = 40_000;
/** After the exit bound, how long to wait for an exit before a SIGKILL (then the round fails). */
const EXIT_GRACE_MS = 10_000;

interface Round {
  pid: number;
  signalAt: number;
  secondAt?: number;
  exitMs: number | null;
  code: number | null;
}

interface AttemptRow {
  job_id: number;
  attempt: number;
  started_ms: number;
  ended_ms: number | null;
  outcome: string | null;
  next_ms: number | null;
  recorded: boolean;
}

/** The attempts of a process, each with its job's next attempt and whether its failure was recorded in river_job.errors. */
async function attemptsOf(ctx: ScenarioContext, pid: number): Promise<AttemptRow[]> {
  const { rows } = await ctx.database.db.execute(sql`
    SELECT a.job_id::int, a.attempt, extract(epoch FROM a.started_at) * 1000 AS started_ms, extract(epoch FROM a.ended_at) * 1000 AS ended_ms, a.outcome,
           (SELECT extract(epoch FROM min(b.started_at)) * 1000 FROM chaos_attempt b WHERE b.job_id = a.job_id AND b.attempt > a.attempt) AS next_ms,
           EXISTS (SELECT 1 FROM river_job j, unnest(j.errors) e WHERE j.id = a.job_id AND (e->>'attempt')::int = a.attempt) AS recorded
    FROM chaos_attempt a WHERE a.pid = ${pid}`);
  return (rows as unknown as AttemptRow[]).map((r) => ({ ...r, started_ms: Number(r.started_ms), ended_ms: r.ended_ms === null ? null : Number(r.ended_ms), next_ms: r.next_ms === null ? null : Number(r.next_ms) }));
}

async function runningNow(ctx: ScenarioContext, pid: number): Promise<number> {
  const { rows } = await ctx.database.db.execute(sql`SELECT count(*)::int AS n FROM chaos_attempt WHERE pid = ${pid} AND ended_at IS NULL`);
  return (rows[0] as { n: number }).n;
}

async function signalRound(ctx: ScenarioContext, set: WorkerSet, double: boolean): Promise<Round | undefined> {
  let target: WorkerProcess | undefined;
  for (const candidate of set.working) if ((await runningNow(ctx, candidate.pid)) > 0) target = candidate;
  if (!target) return undefined;
  const round: Round = { pid: target.pid, signalAt: set.signal(target, 'SIGTERM'), exitMs: null, code: null };
  set.spawn(); // a deploy starts the new process while the old one finishes
  if (double) {
    await sleep(SECOND_SIGNAL_AFTER_MS);
    round.secondAt = Date.now();
    target.child.kill('SIGTERM');
  }
  const bound = double ? EXIT_BOUND_MS.double : EXIT_BOUND_MS.single;
  const exited = await Promise.race([target.exited.then(() => true), sleep(bound + EXIT_GRACE_MS).then(() => false)]);
  if (!exited) target.child.kill('SIGKILL');
  await target.exited;
  round.exitMs = exited ? target.exit!.at - round.signalAt : null;
  round.code = target.exit!.code;
  return round;
}

function sigtermScenario(double: boolean): Scenario {
  const name = double ? 'sigterm-double' : 'sigterm';
  const bound = double ? EXIT_BOUND_MS.double : EXIT_BOUND_MS.single;
  return {
    name,
    summary: double
      ? 'SIGTERM twice to a worker running the README snippet: its running jobs are aborted, recorded, retried; it exits at once'
      : 'SIGTERM to a worker running the README snippet: its running jobs finish, then it exits',
    deadlineMs: (durationMs) => Math.max(10_000, durationMs / 2) + EXIT_BOUND_MS.single + EXIT_GRACE_MS + DRAIN_MS + 30_000,
    async run(ctx) {
      const set = ctx.workers({
        name: 'slow', count: 3, respawnOnCrash: true,
        config: { handler: 'plain', queue: QUEUE, maxWorkers: 5, applicationName: 'chaos-worker-slow', readmeShutdown: true, recordEnds: true },
      });
      await set.start();
      let jobs = await insertJobs(ctx.database, QUEUE, 40, () => randomMs(...JOB_MS));
      const load = steadyLoad(ctx.database, [QUEUE], 5, () => randomMs(...JOB_MS), ctx.log);
      const rounds: Round[] = [];
      const end = Date.now() + Math.max(10_000, ctx.durationMs / 2);
      while (Date.now() < end && !ctx.signal.aborted) {
        await sleep(ROUND_EVERY_MS);
        const round = await signalRound(ctx, set, double);
        if (round) rounds.push(round);
      }
      jobs += await load.stop();
      ctx.log(`${rounds.length} rounds; draining ${jobs} jobs`);
      const drainMs = await drained(ctx.database.db, [QUEUE], DRAIN_MS, ctx.signal);

      const counts = { runningAtSignal: 0, finished: 0, aborted: 0, cut: 0, finishedButRunAgain: 0, abortedUnrecorded: 0, abortedNotRetried: 0, startedAfterSignal: 0 };
      const rerunDelays: number[] = [];
      for (const round of rounds) {
        for (const a of await attemptsOf(ctx, round.pid)) {
          if (a.started_ms > round.signalAt + 50) counts.startedAfterSignal++;
          if (a.started_ms > round.signalAt || (a.ended_ms !== null && a.ended_ms < round.signalAt)) continue;
          counts.runningAtSignal++;
          if (a.outcome === 'finished') {
            counts.finished++;
            if (a.next_ms !== null) counts.finishedButRunAgain++;
          } else if (a.outcome === 'aborted') {
            counts.aborted++;
            if (!a.recorded) counts.abortedUnrecorded++;
            if (a.next_ms === null) counts.abortedNotRetried++;
            else rerunDelays.push(a.next_ms - (round.secondAt ?? round.signalAt));
          } else {
            counts.cut++;
          }
        }
      }
      const lost = await notCompleted(ctx.database.db, [QUEUE]);
      const failures: string[] = [];
      if (rounds.length === 0) failures.push('no process had running jobs to stop');
      if (lost > 0) failures.push(`${lost} jobs not completed within ${DRAIN_MS / 1000} s`);
      const slow = rounds.filter((r) => r.exitMs === null || r.exitMs > bound);
      if (slow.length > 0) failures.push(`${slow.length} of ${rounds.length} processes did not exit within ${bound / 1000} s`);
      const nonZero = rounds.filter((r) => r.code !== 0).length;
      if (nonZero > 0) failures.push(`${nonZero} processes exited with a code other than 0`);
      if (counts.cut > 0) failures.push(`${counts.cut} running jobs neither finished nor aborted (cut in half)`);
      if (!double && counts.aborted > 0) failures.push(`${counts.aborted} running jobs aborted by one SIGTERM`);
      if (counts.finishedButRunAgain > 0) failures.push(`${counts.finishedButRunAgain} jobs finished but ran again (outcome not stored before exit)`);
      if (counts.abortedUnrecorded > 0) failures.push(`${counts.abortedUnrecorded} aborted attempts not recorded in errors`);
      if (double && counts.aborted === 0) failures.push('no running job was aborted by the second SIGTERM');
      return {
        jobs, lost, duplicated: null, rerun: rerunFigures(rerunDelays), stallMs: null, failures,
        details: {
          rounds: rounds.length, worstExitMs: Math.max(...rounds.map((r) => r.exitMs ?? Infinity), 0), exitMs: rounds.map((r) => r.exitMs),
          ...counts, drainMs, states: await jobsByState(ctx.database.db, [QUEUE]),
          unfinished: lost > 0 ? await unfinishedJobs(ctx.database.db, [QUEUE]) : [],
        },
      };
    },
  };
}

export const sigterm = sigtermScenario(false);
export const sigtermDouble = sigtermScenario(true);
