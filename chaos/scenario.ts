/**
 * What a scenario is, and the runner that gives each one a fresh database, a hard deadline and a
 * cleanup that runs whatever happened: its worker processes killed, its database dropped, the
 * server started again if the scenario left it down.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { ScenarioResult } from './figures.js';
import { WorkerSet, type WorkerSetOptions } from './process-pool.js';
import type { ChaosPostgres } from './postgres-control.js';
import { createScenarioDatabase, type ScenarioDatabase } from './scenario-database.js';

/** A scenario given less time than this is not started: it could only fail at its deadline. */
const MIN_RUN_MS = 30_000;

class NotRun extends Error {}

export interface ScenarioContext {
  readonly server: ChaosPostgres;
  readonly database: ScenarioDatabase;
  /** The run's `--duration`, for the scenarios whose faults last a while. */
  readonly durationMs: number;
  /** Aborted at the hard deadline: stop waiting, the runner is cleaning up. */
  readonly signal: AbortSignal;
  /** A progress line (stderr). */
  log(line: string): void;
  /** A set of worker processes on the scenario's database, killed at cleanup. */
  workers(options: Omit<WorkerSetOptions, 'url' | 'log'>): WorkerSet;
}

/** What a scenario measured; the runner adds the name, the time, process exits and the verdict. */
export type ScenarioFigures = Omit<ScenarioResult, 'scenario' | 'pass' | 'exits' | 'elapsedMs'>;

export interface Scenario {
  name: string;
  /** One line for `--list`. */
  summary: string;
  /** The hard deadline of one run at this duration, ms. */
  deadlineMs(durationMs: number): number;
  run(ctx: ScenarioContext): Promise<ScenarioFigures>;
}

export interface RunOptions {
  server: ChaosPostgres;
  durationMs: number;
  /** Folder for each scenario's worker log (`<name>.log`). */
  logDir: string;
  /** Date.now() by which the whole run must be over: a scenario's deadline never goes past it. */
  runDeadlineAt: number;
  log(line: string): void;
}

export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const log = (line: string) => options.log(`${scenario.name}: ${line}`);
  const sets: WorkerSet[] = [];
  const workerLog: WriteStream = createWriteStream(join(options.logDir, `${scenario.name}.log`));
  const deadline = new AbortController();
  const deadlineMs = Math.min(scenario.deadlineMs(options.durationMs), options.runDeadlineAt - started);
  let database: ScenarioDatabase | undefined;
  let figures: ScenarioFigures | undefined;
  const failures: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    if (deadlineMs < MIN_RUN_MS) throw new NotRun(`not run: less than ${MIN_RUN_MS / 1000} s of the run's time budget was left`);
    await options.server.ensureUp();
    database = await createScenarioDatabase(options.server, scenario.name);
    const ctx: ScenarioContext = {
      server: options.server, database, durationMs: options.durationMs, signal: deadline.signal, log,
      workers(setOptions) {
        const set = new WorkerSet({ ...setOptions, url: database!.url, log: workerLog });
        sets.push(set);
        return set;
      },
    };
    const running = scenario.run(ctx);
    running.catch(() => {}); // past the deadline its rejection is nobody's news
    const timedOut = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)));
    const outcome = await Promise.race([running, timedOut]);
    if (outcome === 'deadline') {
      deadline.abort();
      failures.push(`did not finish within its hard deadline of ${Math.round(deadlineMs / 1000)} s`);
    } else {
      figures = outcome;
    }
  } catch (error) {
    if (error instanceof NotRun) {
      failures.push(error.message);
    } else {
      failures.push(`harness error: ${(error as Error).message}`.slice(0, 300));
      log((error as Error).stack ?? String(error));
    }
  } finally {
    clearTimeout(timer);
    deadline.abort();
    await Promise.all(sets.map((set) => set.killAll()));
    await database?.drop().catch((error) => log(`could not drop the database: ${(error as Error).message}`));
    workerLog.end();
    await once(workerLog, 'close').catch(() => {});
  }
  const exits = sets.flatMap((set) => set.unexpectedExits);
  if (exits.length > 0) {
    const causes = [...new Set(exits.map((e) => `${e.set}: ${e.cause}`))];
    failures.push(`${exits.length} worker process(es) exited unasked (${causes.slice(0, 2).join(' / ')})`);
  }
  const all = [...(figures?.failures ?? []), ...failures];
  return {
    scenario: scenario.name,
    pass: all.length === 0,
    jobs: figures?.jobs ?? 0,
    lost: figures?.lost ?? null,
    duplicated: figures?.duplicated ?? null,
    rerun: figures?.rerun ?? null,
    stallMs: figures?.stallMs ?? null,
    exits: exits.length,
    failures: all,
    details: {
      ...(figures?.details ?? {}),
      exitCauses: exits.map((e) => ({ set: e.set, pid: e.pid, code: e.code, signal: e.signal, cause: e.cause })),
      failedStarts: sets.flatMap((set) => set.failedStarts).map((e) => ({ set: e.set, pid: e.pid, cause: e.cause })),
    },
    elapsedMs: Date.now() - started,
  };
}
