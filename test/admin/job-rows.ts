import type { TestDatabase } from '../support/test-database.js';

/** Columns a test may set on a row inserted straight into river_job. */
export interface RowFields {
  kind?: string;
  queue?: string;
  state?: string;
  priority?: number;
  tags?: string[];
  metadata?: Record<string, unknown>;
  attempt?: number;
  maxAttempts?: number;
  scheduledAt?: string;
  attemptedAt?: string;
  /** Defaults to now() for cancelled, completed and discarded (the table's check requires it). */
  finalizedAt?: string;
  uniqueKey?: string;
  uniqueStates?: string;
}

const FINALIZED = ['cancelled', 'completed', 'discarded'];

/** Inserts a job row in any state, as another client or an earlier run might have left it; returns its id. */
export async function insertRow(t: TestDatabase, f: RowFields = {}): Promise<number> {
  const state = f.state ?? 'available';
  const [row] = await t.query<{ id: number }>(
    `INSERT INTO river_job (kind, args, queue, state, priority, tags, metadata, attempt, max_attempts, scheduled_at, attempted_at, finalized_at, unique_key, unique_states)
     VALUES ($1, '{}', $2, $3::river_job_state, $4, $5, $6, $7, $8, coalesce($9::timestamptz, now()), $10, $11, decode($12, 'hex'), $13::bit(8))
     RETURNING id::int`,
    [
      f.kind ?? 'noop', f.queue ?? 'default', state, f.priority ?? 1, f.tags ?? [], JSON.stringify(f.metadata ?? {}),
      f.attempt ?? 0, f.maxAttempts ?? 25, f.scheduledAt ?? null,
      f.attemptedAt ?? (state === 'running' ? new Date().toISOString() : null),
      f.finalizedAt ?? (FINALIZED.includes(state) ? new Date().toISOString() : null),
      f.uniqueKey ?? null, f.uniqueStates ?? null,
    ],
  );
  return row!.id;
}
