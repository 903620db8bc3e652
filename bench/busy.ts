/**
 * A busy machine on demand, for the `busy` phase: a child Node process that does nothing but
 * spin, so it keeps one core busy for as long as it lives (on 2 cores: half the machine).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The loop. It checks its parent every ~0.1 s of spinning: if the bench dies without killing it
 * (SIGKILL, a crash), it is re-parented and exits instead of spinning on forever.
 */
const LOOP = `const parent = process.ppid;
for (;;) {
  for (let i = 0; i < 1e8; i++);
  if (process.ppid !== parent) process.exit(0);
}`;

export interface CpuLoop {
  pid: number;
  /** Kills the loop; resolves with the share of one core it got while it ran (NaN if unknown). */
  stop(): Promise<number>;
}

/** CPU seconds (user + system) the process has used, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) ", in clock
    // ticks, which are 100 a second on every Linux build that matters.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Starts the loop; it is spinning by the time this returns (a fresh process, no warm-up to wait for). */
export function startCpuLoop(): CpuLoop {
  const child = spawn(process.execPath, ['-e', LOOP], { stdio: 'ignore' });
  const started = performance.now();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid ?? -1,
    async stop() {
      const share = child.pid === undefined ? Number.NaN : cpuSeconds(child.pid) / ((performance.now() - started) / 1000);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      return share;
    },
  };
}
