import { JOB_STATES } from '../../src/schema/job-state.js';
import { RIVER_V7_CATALOG } from '../fixtures/river-v7-catalog.js';
import type { CatalogSnapshot } from './catalog-snapshot.js';

// How Postgres renders the predicate Tributary writes inline: the CASE that River's
// river_job_state_in_bitmask(unique_states, state) holds, so Postgres infers this index from
// River's ON CONFLICT clause once it inlines the function.
const INLINE_UNIQUE_STATES =
  `(\nCASE state\n` +
  JOB_STATES.map((s, i) => `    WHEN '${s}'::river_job_state THEN get_bit(unique_states, ${7 - i})\n`).join('') +
  `    ELSE 0\nEND = 1)`;

/**
 * River's version-7 catalog with Tributary's two documented differences: River's GIN indexes on
 * `args` and `metadata` exist only when opted in (`createSchema({ argsIndex, metadataIndex })`),
 * `river_job_unique_idx` writes its state predicate inline instead of calling River's
 * function, and Tributary's sequence and workflow indexes are added. Everything else must be River's exactly.
 */
export function tributaryCatalog(options: { ginIndexes?: boolean } = {}): CatalogSnapshot {
  const catalog = structuredClone(RIVER_V7_CATALOG);
  const indexes = catalog.tables.river_job!.indexes;
  if (!options.ginIndexes) {
    delete indexes.river_job_args_index;
    delete indexes.river_job_metadata_index;
  }
  indexes.river_job_unique_idx = indexes.river_job_unique_idx!.replace('river_job_state_in_bitmask(unique_states, state)', INLINE_UNIQUE_STATES);
  // Tributary's own index beside River's (migration 0005): each sequence's jobs but completed ones, by key.
  indexes.tributary_job_sequence_idx =
    `CREATE INDEX tributary_job_sequence_idx ON river_job USING btree ((((metadata -> 'tributary:sequence'::text) ->> 'key'::text)), state, id) ` +
    `WHERE ((state <> 'completed'::river_job_state) AND (((metadata -> 'tributary:sequence'::text) ->> 'key'::text) IS NOT NULL))`;
  // Tributary's workflow indexes (migration 0006): tasks by workflow id and name, the pending
  // tasks by workflow, and a workflow's failed tasks.
  indexes.tributary_job_workflow_idx =
    `CREATE INDEX tributary_job_workflow_idx ON river_job USING btree ((((metadata -> 'tributary:workflow'::text) ->> 'id'::text)), (((metadata -> 'tributary:workflow'::text) ->> 'task'::text))) ` +
    `WHERE (metadata ? 'tributary:workflow'::text)`;
  indexes.tributary_job_workflow_pending_idx =
    `CREATE INDEX tributary_job_workflow_pending_idx ON river_job USING btree ((((metadata -> 'tributary:workflow'::text) ->> 'id'::text))) ` +
    `WHERE ((state = 'pending'::river_job_state) AND (metadata ? 'tributary:workflow'::text))`;
  indexes.tributary_job_workflow_failed_idx =
    `CREATE INDEX tributary_job_workflow_failed_idx ON river_job USING btree ((((metadata -> 'tributary:workflow'::text) ->> 'id'::text))) ` +
    `WHERE ((state = ANY (ARRAY['cancelled'::river_job_state, 'discarded'::river_job_state])) AND (metadata ? 'tributary:workflow'::text))`;
  // Migration 0008: a workflow's unfinished tasks (a fan-in's last check).
  indexes.tributary_job_workflow_unfinished_idx =
    `CREATE INDEX tributary_job_workflow_unfinished_idx ON river_job USING btree ((((metadata -> 'tributary:workflow'::text) ->> 'id'::text))) ` +
    `WHERE ((state <> ALL (ARRAY['completed'::river_job_state, 'cancelled'::river_job_state, 'discarded'::river_job_state])) AND (metadata ? 'tributary:workflow'::text))`;
  return catalog;
}
