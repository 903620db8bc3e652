import type { JsonObject } from '../json-value.js';
import type { SequenceOpts } from './sequence-opts.js';
import { uniqueArgsJson } from './unique-key.js';

/** The readable key of a job's sequence: `kind=<kind>`, then `&args=<JSON>` and `&queue=<queue>` as the options say. */
export function sequenceKey(params: { kind: string; args: Record<string, unknown>; queue: string }, opts: SequenceOpts): string {
  let key = `kind=${params.kind}`;
  // River's unique-key JSON: sorted top-level keys, and `&` in values escaped as \u0026, so the
  // parts stay apart.
  if (opts.byArgs) key += `&args=${uniqueArgsJson(params.args, Array.isArray(opts.byArgs) ? opts.byArgs : undefined)}`;
  if (opts.byQueue) key += `&queue=${params.queue}`;
  return key;
}

/** What a sequenced job stores under {@link SEQUENCE_METADATA_KEY}. */
export function sequenceMetadata(key: string, opts: SequenceOpts): JsonObject {
  return { key, continue_on_cancelled: opts.continueOnCancelled ?? false, continue_on_discarded: opts.continueOnDiscarded ?? false };
}

