/** The one job kind every chaos worker works, shared by the harness (insert) and the workers. */
import * as v from 'valibot';
import { defineJob } from 'tributary-queue';

/** What a poison job's handler throws; see poison-values.ts. */
export const POISONS = ['nul', 'surrogate', 'huge-stack', 'string', 'object', 'undefined', 'circular', 'bigint', 'symbol'] as const;
export type Poison = (typeof POISONS)[number];

export const chaosJob = defineJob({
  kind: 'chaos_job',
  args: v.object({
    /** How long the handler works, in ms. */
    ms: v.pipe(v.number(), v.integer(), v.minValue(0)),
    /** Throw this instead of working. */
    poison: v.optional(v.picklist(POISONS)),
  }),
});

/** A kind no worker has: rows of it are written by raw SQL in the poison scenario. */
export const UNKNOWN_KIND = 'chaos_no_such_kind';

/** Args for a job that works for a random time in [minMs, maxMs]. */
export const randomMs = (minMs: number, maxMs: number) => ({ ms: Math.round(minMs + Math.random() * (maxMs - minMs)) });
