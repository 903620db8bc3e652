/**
 * Draining with Tributary clients in child processes (bench/drain-child.ts): the memory phase
 * (one process, its RSS) and the scale-out phase (several processes on one queue).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { runFleet } from './child-fleet.js';
import type { BenchSettings } from './contender.js';
import { createDatabase, dropDatabase } from './database.js';
import type { ChildMessage } from './drain-child.js';
import { perSecond } from './stats.js';
import { tributaryContender } from './tributary.js';

export interface ChildrenResult {
  processes: number;
  jobs: number;
  jobsPerSec: number;
  /** Highest RSS sampled (every 100 ms) in any one client process while it worked, bytes. */
  peakRss: number;
  /** The kernel's RSS high-water mark of the biggest client process over its whole life, bytes. */
  maxRss: number;
  /** RSS of a client process once built, before its first fetch (the most of any process), bytes. */
  readyRss: number;
}

/** The memory phase's figure: the higher of the RSS sampled while working and the kernel's high-water mark, which also catches peaks between samples. */
export const peakRss = (result: ChildrenResult) => Math.max(result.peakRss, result.maxRss);

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const CHILD_DIR = fileURLToPath(new URL('../.tmp/bench-child/', import.meta.url));

/**
 * A child script as plain JavaScript: bench/drain-child.ts (or `entry`) and the bench modules it imports,
 * followed import by import (so a new import of bench/tributary.ts cannot leave the child without
 * it), transpiled by TypeScript into .tmp/bench-child/ (git-ignored, inside the package, so
 * `tributary-queue` resolves to the built package and `pg` to node_modules). The child then runs
 * on bare Node: the tsx loader alone would add some 45 MB to the RSS being measured.
 */
export async function compileChild(entry = 'drain-child'): Promise<string> {
  await mkdir(CHILD_DIR, { recursive: true });
  const pending = [entry];
  const done = new Set<string>();
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (done.has(name)) continue;
    done.add(name);
    const source = await readFile(`${BENCH_DIR}${name}.ts`, 'utf8');
    // Type-only imports are erased by the transpiler; following them costs only a file read.
    for (const { fileName } of ts.preProcessFile(source, true, false).importedFiles) {
      const sibling = fileName.match(/^\.\/([\w-]+)\.js$/)?.[1];
      if (sibling) pending.push(sibling);
      else if (fileName.startsWith('.')) throw new Error(`bench/${name}.ts imports ${fileName}: the client process can only import bench/ siblings`);
    }
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: `${name}.ts`,
    });
    await writeFile(`${CHILD_DIR}${name}.js`, outputText);
  }
  return `${CHILD_DIR}${entry}.js`;
}

/**
 * The environment variables bench/tributary.ts reads to tune its client away from the defaults
 * (a fixed prefetch, another pool size).
 */
export const TUNING_ENV = ['TRIBUTARY_PREFETCH', 'TRIBUTARY_POOL_MAX'] as const;

/** The tuning variables set in this process, as `NAME=value` (none: the client runs with its defaults). */
export const tuningSet = (): string[] => TUNING_ENV.filter((name) => process.env[name] !== undefined).map((name) => `${name}=${process.env[name]}`);

/**
 * Fills a fresh database with `jobs` jobs (Tributary's insertMany, as the drain phase), starts
 * `processes` Tributary clients in child processes, each with the drain phase's settings, lets
 * them all go at once, and times from the first handler start in any process to the last
 * stored completion in any process. With `defaults`, the children do not see {@link TUNING_ENV}:
 * each runs the client exactly as a user gets it (default prefetch, a 10-connection pg.Pool).
 */
export async function drainInProcesses(
  serverUrl: string, settings: BenchSettings, processes: number, jobs: number, { defaults = false } = {},
): Promise<ChildrenResult> {
  const database = 'tributary_bench_processes';
  const url = await createDatabase(serverUrl, database);
  const script = await compileChild();
  try {
    const filler = await tributaryContender(url, settings); // also migrates
    try {
      for (let from = 0; from < jobs; from += settings.batch) await filler.insertBatch(from, Math.min(settings.batch, jobs - from));
    } finally {
      await filler.close();
    }
    const env: NodeJS.ProcessEnv = { ...process.env, BENCH_CHILD_URL: url, BENCH_CHILD_SETTINGS: JSON.stringify(settings) };
    if (defaults) for (const name of TUNING_ENV) delete env[name];
    const finals = await runFleet<ChildMessage>({ script, env, processes, jobs, label: 'the scale-out drain', timeoutMs: Math.max(120_000, jobs * 5), exitGraceMs: 200 });
    const firstStart = Math.min(...finals.map((m) => m.firstStart ?? Infinity));
    const lastCompleted = Math.max(...finals.map((m) => m.lastCompleted ?? -Infinity));
    return {
      processes,
      jobs,
      jobsPerSec: perSecond(jobs, lastCompleted - firstStart),
      peakRss: Math.max(...finals.map((m) => m.peakRss)),
      maxRss: Math.max(...finals.map((m) => m.maxRss)),
      readyRss: Math.max(...finals.map((m) => m.readyRss)),
    };
  } finally {
    await dropDatabase(serverUrl, database);
  }
}
