import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { adminQuery, databaseUrl } from '../support/test-database.js';

// What a user installs: `npm pack`'s tarball, in an app of its own outside this repository. The
// suite's `npm test` has just built dist/; `prepack` builds it for `npm pack` and `npm publish`,
// but rebuilding here would empty dist/ under the other test files, so this packs without it.
const root = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  scripts: Record<string, string>;
  exports: Record<string, unknown>;
  bin: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const run = promisify(execFile);
const SUBPATHS = ['tributary-queue', 'tributary-queue/schema', 'tributary-queue/testing', 'tributary-queue/ui', 'tributary-queue/otel'];

/** This process's environment without what `npm test` sets for its own package (a child npm would act on this repository). */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const keep = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_registry']);
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key) || keep.has(key.toLowerCase())) env[key] = value;
  delete env.INIT_CWD;
  return env;
}

let scratch: string;
let app: string;
let packed: string[];

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
  scratch = await mkdtemp(join(tmpdir(), 'tributary-pack-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: root, env: npmEnv() });
  const [result] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  packed = result!.files.map((file) => file.path);
  app = join(scratch, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, version: '1.0.0' }));
  // The peers at the versions this repository tests with, which its install left in npm's cache.
  const installed = async (name: string) => JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8')).version as string;
  const peers = await Promise.all(['drizzle-orm', 'pg', '@opentelemetry/api'].map(async (name) => `${name}@${await installed(name)}`));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', join(scratch, result!.filename), ...peers], {
    cwd: app,
    env: npmEnv(),
  });
}, 180_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

test('npm pack builds first, and ships every file package.json points to, and no sources', () => {
  expect(manifest.scripts.prepack).toBe('npm run build');
  const targets = new Set<string>();
  const collect = (value: unknown): void => {
    if (typeof value === 'string') targets.add(value.replace(/^\.\//, ''));
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(manifest.exports);
  collect(manifest.bin);
  for (const target of targets) expect(packed, target).toContain(target);
  expect(packed).toContain('dist/ui/app.js');
  expect(packed.filter((path) => path.startsWith('drizzle/') && path.endsWith('.sql')).length).toBeGreaterThan(0);
  expect(packed.filter((path) => /^(src|test|tools|bench|examples)\//.test(path))).toEqual([]);
});

/** Loads every subpath export and migrates a fresh database through the installed package. */
const checkScript = (load: string) => `
const SUBPATHS = ${JSON.stringify(SUBPATHS)};
(async () => {
  const entries = {};
  for (const path of SUBPATHS) entries[path] = Object.keys(await ${load}).sort();
  const core = await ${load.replace('path', "'tributary-queue'")};
  const schema = await ${load.replace('path', "'tributary-queue/schema'")};
  const migrated = await core.migrate({ databaseUrl: process.env.DATABASE_URL });
  console.log(JSON.stringify({ entries, sharedChunk: core.JOB_STATES === schema.JOB_STATES, applied: migrated.applied }));
})().catch((error) => { console.error(error); process.exit(1); });
`;

test.each([
  ['import', 'check.mjs', 'import(path)'],
  ['require', 'check.cjs', 'Promise.resolve(require(path))'],
])('every subpath export loads through %s, and migrate finds the shipped migrations', { timeout: 60_000 }, async (_how, file, load) => {
  const database = `pack_${file.replace('.', '_')}_${process.pid}`;
  await adminQuery(`DROP DATABASE IF EXISTS ${database}`);
  await adminQuery(`CREATE DATABASE ${database}`);
  try {
    await writeFile(join(app, file), checkScript(load));
    const { stdout } = await run(process.execPath, [file], { cwd: app, env: { ...process.env, DATABASE_URL: databaseUrl(database) } });
    const report = JSON.parse(stdout) as { entries: Record<string, string[]>; sharedChunk: boolean; applied: string[] };
    expect(report.entries['tributary-queue']).toEqual(expect.arrayContaining(['Client', 'defineJob', 'migrate', 'work']));
    expect(report.entries['tributary-queue/schema']).toEqual(expect.arrayContaining(['riverJob', 'createSchema']));
    expect(report.entries['tributary-queue/testing']).toEqual(expect.arrayContaining(['requireInserted', 'testWorker']));
    expect(report.entries['tributary-queue/ui']).toEqual(expect.arrayContaining(['serveUi', 'createUiHandler']));
    expect(report.entries['tributary-queue/otel']).toEqual(expect.arrayContaining(['otelMiddleware']));
    // One copy of each class and constant across entry points, or instanceof fails between them.
    expect(report.sharedChunk).toBe(true);
    expect(report.applied.length).toBeGreaterThan(0);
  } finally {
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
});

test('npx tributary --version prints the installed version', { timeout: 60_000 }, async () => {
  // `--no --`: never download a package named tributary (another project's) if the bin were
  // missing; the `--` keeps npx from reading --version as its own after --no.
  const { stdout } = await run('npx', ['--no', '--', 'tributary', '--version'], { cwd: app, env: npmEnv() });
  expect(stdout.trim()).toBe(manifest.version);
});
