/**
 * The chaos suite's own tables, beside the queue's in each scenario's database. Workers write
 * them; the harness reads them to tell what happened, so they hold facts only a worker knows
 * (when a handler started, what it wrote), never anything the queue could fix up afterwards.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** One row per handler start, autocommitted before the handler does anything else. */
export const chaosAttempt = pgTable('chaos_attempt', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  jobId: bigint('job_id', { mode: 'number' }).notNull(),
  attempt: integer('attempt').notNull(),
  pid: integer('pid').notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().default(sql`clock_timestamp()`),
  /** Set when the handler ended, for the scenarios that ask (SIGTERM): `finished` or `aborted`. */
  endedAt: timestamp('ended_at', { withTimezone: true }),
  outcome: text('outcome'),
});

/**
 * The side effect of a completeTx handler, written in the same transaction as the completion.
 * No unique constraint on purpose: a job completed twice must be able to show two rows.
 */
export const chaosEffect = pgTable('chaos_effect', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  jobId: bigint('job_id', { mode: 'number' }).notNull(),
  pid: integer('pid').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull().default(sql`clock_timestamp()`),
});

/** The DDL of the tables above (the harness has no drizzle-kit step). clock_timestamp(): the row's own time, not its transaction's. */
export const CHAOS_TABLES_SQL = `
CREATE TABLE chaos_attempt (
  id bigserial PRIMARY KEY,
  job_id bigint NOT NULL,
  attempt integer NOT NULL,
  pid integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  ended_at timestamptz,
  outcome text
);
CREATE INDEX ON chaos_attempt (job_id, attempt);
CREATE TABLE chaos_effect (
  id bigserial PRIMARY KEY,
  job_id bigint NOT NULL,
  pid integer NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ON chaos_effect (job_id);
`;
