import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { vi } from 'vitest';
import { waitFor } from '../support/wait.js';

// Each CLI run is a new Node process: about 0.5 s on an idle machine, 2 to 3 s with the cores
// busy (two copies of the suite at once), and a test may make a dozen of them. Every file that
// runs the CLI imports this module, so their tests get the time a busy machine needs; a hang
// still fails, with each wait's own deadline naming what it waited for.
vi.setConfig({ testTimeout: 120_000 });

/** The built CLI (`npm run build` makes it). */
export const cli = resolve(import.meta.dirname, '../../dist/cli.js');

/** What a finished CLI run printed, and its exit code. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tributary <args>` to its end; never throws for a non-zero exit code. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((done) => {
    execFile('node', [cli, ...args], { env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** A CLI process left running, with what it printed so far. */
export interface CliProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the exit code (or the signal's name, if it was killed). */
  exited: Promise<number | string>;
  /** Resolves with the first match of `pattern` in stdout or stderr, or fails after the deadline. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/** Starts `tributary <args>` in the background. */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): CliProcess {
  const child = spawn('node', [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? -1)));
  return {
    child,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    waitForOutput: (pattern, timeoutMs = 20_000) =>
      waitFor(() => pattern.exec(stdout) ?? pattern.exec(stderr), { timeoutMs, message: `${pattern} in the output:\n${stdout}\n${stderr}` }),
  };
}
