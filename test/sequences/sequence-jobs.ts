import * as v from 'valibot';
import { defineJob } from '../../src/index.js';

/** A job in one sequence per account. */
export const accountStep = defineJob({
  kind: 'account_step',
  args: v.object({ accountId: v.number(), n: v.number(), fail: v.optional(v.picklist(['once', 'discard', 'cancel'])) }),
  insertOpts: { sequence: { byArgs: ['accountId'] } },
});

/** Start and end of each run, per job id, to check order and overlap. */
export interface Run {
  id: number;
  key: string;
  n: number;
  start: number;
  end: number;
}

/**
 * Problems in recorded runs: two runs of one key overlapping, or a key's jobs starting out of id
 * order. Empty when the runs are a proper sequence.
 */
export function sequenceProblems(runs: readonly Run[]): string[] {
  const byKey = new Map<string, Run[]>();
  for (const run of runs) byKey.set(run.key, [...(byKey.get(run.key) ?? []), run]);
  const problems: string[] = [];
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.start - b.start || a.id - b.id);
    for (let i = 1; i < list.length; i++) {
      const [before, after] = [list[i - 1]!, list[i]!];
      if (after.start < before.end) problems.push(`${key}: job ${after.id} started before job ${before.id} ended`);
      if (after.id < before.id) problems.push(`${key}: job ${after.id} ran after job ${before.id}`);
    }
  }
  return problems;
}
