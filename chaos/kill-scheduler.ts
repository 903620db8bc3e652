/**
 * The kill storm: every `everyMs` (±25%), SIGKILL one working process of the sets, picked at
 * random, and spawn its replacement at once, until `durationMs` has passed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kill } from './database-checks.js';
import type { WorkerSet } from './process-pool.js';

export interface KillStormOptions {
  sets: readonly WorkerSet[];
  durationMs: number;
  everyMs: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

export async function killStorm({ sets, durationMs, everyMs, signal, log }: KillStormOptions): Promise<Kill[]> {
  const kills: Kill[] = [];
  const end = Date.now() + durationMs;
  while (!signal.aborted) {
    const wait = everyMs * (0.75 + Math.random() * 0.5);
    if (Date.now() + wait > end) break;
    await sleep(wait);
    const targets = sets.flatMap((set) => set.working.map((process) => ({ set, process })));
    // All of them still starting (respawns on a busy machine): nobody holds a job to lose.
    if (targets.length === 0) continue;
    const { set, process } = targets[Math.floor(Math.random() * targets.length)]!;
    kills.push({ pid: process.pid, at: set.signal(process, 'SIGKILL') });
    set.spawn();
    if (kills.length % 10 === 0) log(`${kills.length} kills`);
  }
  return kills;
}
