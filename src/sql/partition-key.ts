import type { LimitPartition } from '../flow/limits-config.js';
import { raw, type Raw, textLiteral } from './query.js';


/**
 * The SQL expression of a job's partition, as text, over `river_job` aliased `alias`: a JSON
 * array of its kind and named args values (`'[]'` without a partition). A field missing from
 * the args is JSON null there, so missing and null share a partition. The field names are
 * literals in the text, not parameters, so the same expression can appear in several places of
 * one statement and be compared across them; they come from validated configuration.
 */
export function partitionKeySql(partition: LimitPartition | undefined, alias: string): Raw {
  const parts: string[] = [];
  if (partition?.byKind) parts.push(`${alias}.kind`);
  if (partition?.byArgs === true) parts.push(`${alias}.args`);
  else for (const field of partition?.byArgs ?? []) parts.push(`${alias}.args -> ${textLiteral(field)}`);
  return raw(parts.length === 0 ? `'[]'::text` : `jsonb_build_array(${parts.join(', ')})::text`);
}
