/**
 * Drives client processes the bench starts with an IPC channel (bench/drain-child.ts,
 * bench/sequence-child.ts): each says `ready`, starts working on `go`, reports progress carrying
 * `completed`, and on `stop` stops and sends `done`. The parent lets them all go at once, stops
 * them all once `jobs` jobs completed in total, and fails if one exits before its `done`.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** What a child sends: `ready` once, then progress and a last `done`, each with `completed`. */
export type FleetMessage = { type: 'ready' } | { type: string; completed: number };

/**
 * Runs `processes` children of `script` with `env` until `jobs` jobs completed across them, and
 * returns each child's last message (its `done`). `label` names the run in errors; a crashed
 * child's last message gets `exitGraceMs` to arrive before the run fails.
 */
export async function runFleet<M extends FleetMessage>(p: {
  script: string; env: NodeJS.ProcessEnv; processes: number; jobs: number; label: string; timeoutMs: number; exitGraceMs: number;
}): Promise<Exclude<M, { type: 'ready' }>[]> {
  type Report = Exclude<M, { type: 'ready' }>;
  const children: ChildProcess[] = [];
  const latest = new Map<ChildProcess, Report>();
  try {
    let ready = 0;
    let finished = 0;
    let stopping = false;
    let onReady!: () => void;
    let onDone!: () => void;
    let onFailure!: (error: Error) => void;
    const allReady = new Promise<void>((resolve) => (onReady = resolve));
    const allDone = new Promise<void>((resolve) => (onDone = resolve));
    const failed = new Promise<never>((_, reject) => (onFailure = reject));
    failed.catch(() => {});
    for (let k = 0; k < p.processes; k++) {
      const child = spawn(process.execPath, [p.script], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: p.env });
      children.push(child);
      child.on('exit', (code) => setTimeout(() => {
        if (latest.get(child)?.type !== 'done') onFailure(new Error(`${p.label}: a client process exited with code ${code} before finishing`));
      }, p.exitGraceMs));
      child.on('message', (message: M) => {
        if (message.type === 'ready') return void (++ready === p.processes && onReady());
        latest.set(child, message as Report);
        if (message.type === 'done' && ++finished === p.processes) onDone();
        const total = [...latest.values()].reduce((sum, m) => sum + m.completed, 0);
        if (total >= p.jobs && !stopping) {
          stopping = true;
          for (const c of children) c.send({ type: 'stop' });
        }
      });
    }
    await Promise.race([allReady, failed]);
    for (const child of children) child.send({ type: 'go' });
    const timeout = setTimeout(() => onFailure(new Error(`${p.label} of ${p.jobs} jobs did not finish in time`)), p.timeoutMs);
    try {
      await Promise.race([allDone, failed]);
    } finally {
      clearTimeout(timeout);
    }
    return [...latest.values()];
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
