/**
 * npm run chaos [-- [scenario...] [--duration 60s]]: the chaos suite. Real worker processes of the
 * built package on a Postgres of the suite's own (embedded), under faults: SIGKILL storms,
 * server restarts, terminated backends, poison values, SIGTERM. Each scenario prints one line of
 * figures and PASS or FAIL; the last line is one JSON object with everything. Exits 1 if any
 * scenario failed. Progress goes to stderr, the workers' own output to .tmp/chaos/<run>/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { buildWorker } from './build-worker.js';
import { parseDuration } from './duration.js';
import { formatJson, formatLine, type ScenarioResult } from './figures.js';
import { ChaosPostgres, onServer } from './postgres-control.js';
import { runScenario } from './scenario.js';
import { SCENARIOS } from './scenarios/index.js';

const names = SCENARIOS.map((s) => s.name);
const program = new Command('npm run chaos --')
  .description('Runs the chaos scenarios against the built package (npm run chaos builds it first).')
  .argument('[scenario...]', `scenarios to run, default all: ${names.join(', ')}`)
  .addOption(
    new Option('-d, --duration <time>', 'how long kill storms and connection kills last; SIGTERM rounds take half (60s, 2m, 1500ms)')
      .default(60_000, '60s')
      .argParser((value) => {
        try {
          return parseDuration(value);
        } catch (error) {
          throw new InvalidArgumentError((error as Error).message);
        }
      }),
  )
  .option('-l, --list', 'list the scenarios and exit')
  .showHelpAfterError()
  .parse();

const options = program.opts<{ duration: number; list?: boolean }>();
if (options.list) {
  for (const s of SCENARIOS) console.log(`${s.name.padEnd(22)} ${s.summary}`);
  process.exit(0);
}
const unknown = program.args.filter((name) => !names.includes(name));
if (unknown.length > 0) program.error(`unknown scenario ${unknown.map((n) => `"${n}"`).join(', ')}; the scenarios are ${names.join(', ')}`, { exitCode: 2 });
const chosen = program.args.length > 0 ? SCENARIOS.filter((s) => program.args.includes(s.name)) : SCENARIOS;

const resolved = import.meta.resolve('tributary-queue');
if (!resolved.includes('/dist/')) {
  console.error(`tributary-queue resolves to ${resolved}, not to dist/: run through npm run chaos (tsx --tsconfig chaos/tsconfig.json)`);
  process.exit(2);
}

/**
 * The whole run's time budget: 13 minutes at the default duration, more for longer ones. Each
 * scenario's own deadline is cut to what is left, so a run where everything hangs still ends.
 */
const RUN_BUDGET_MS = 13 * 60_000 * Math.max(1, options.duration / 60_000);

const progress = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const runStarted = Date.now();
const logDir = fileURLToPath(new URL(`../.tmp/chaos/${new Date().toISOString().replaceAll(':', '-').slice(0, 19)}/`, import.meta.url));
mkdirSync(logDir, { recursive: true });

await buildWorker();
const server = await ChaosPostgres.start();
let stopping: Promise<void> | undefined;
const stopServer = () => (stopping ??= server.stop().catch((error) => console.error('could not stop Postgres:', error)));
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  // The workers exit by themselves when their IPC channel closes; the server is ours to stop.
  process.once(signal, () => void stopServer().then(() => process.exit(code)));
}

const results: ScenarioResult[] = [];
try {
  const version = await onServer(server.url, async (c) => (await c.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version);
  progress(`Postgres ${version} (embedded), Node ${process.version}; duration ${options.duration / 1000} s; worker logs in ${logDir}`);
  for (const scenario of chosen) {
    progress(`${scenario.name}: ${scenario.summary}`);
    const result = await runScenario(scenario, { server, durationMs: options.duration, logDir, log: progress, runDeadlineAt: runStarted + RUN_BUDGET_MS });
    results.push(result);
    console.log(formatLine(result));
  }
} finally {
  await stopServer();
}
const elapsedMs = Date.now() - runStarted;
progress(`${results.filter((r) => r.pass).length} of ${results.length} scenarios passed in ${(elapsedMs / 1000).toFixed(0)} s`);
console.log(formatJson(results, { durationMs: options.duration, elapsedMs, node: process.version, logDir: join(logDir) }));
process.exit(results.every((r) => r.pass) ? 0 : 1);
