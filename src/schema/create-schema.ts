import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgSchema,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/pg-core';
import { JOB_STATES } from './job-state.js';
import { bit8, bytea } from './sql-types.js';

/** Options of {@link createSchema}. */
export interface CreateSchemaOptions {
  /**
   * The Postgres schema that holds the tables. Default: none, so the tables are unqualified and
   * land in the connection's `search_path` (normally `public`). `'public'` means the same.
   */
  schema?: string;
  /** Add River's GIN index on `river_job.args`. Default `false`: it costs 20 to 40% of drain throughput. */
  argsIndex?: boolean;
  /** Add River's GIN index on `river_job.metadata`. Default `false`, for the same reason. */
  metadataIndex?: boolean;
}

// River writes this predicate as river_job_state_in_bitmask(unique_states, state). Postgres
// inlines that SQL function at planning into exactly this CASE, so River's ON CONFLICT clause
// still infers this index, while drizzle-kit can generate it without the function existing.
export const UNIQUE_STATES_PREDICATE =
  `unique_key IS NOT NULL AND unique_states IS NOT NULL AND CASE state ` +
  JOB_STATES.map((s, i) => `WHEN '${s}' THEN get_bit(unique_states, ${7 - i})`).join(' ') +
  ` ELSE 0 END = 1`;

/**
 * The sequence key of a job, as the sequence index and its queries spell it: in the form
 * Postgres prints it back, so `drizzle-kit push` finds the index unchanged.
 */
export const SEQUENCE_KEY_EXPRESSION = `((metadata -> 'tributary:sequence'::text) ->> 'key'::text)`;
/**
 * The sequence index's predicate: sequenced jobs that are not completed. Completed jobs, the
 * bulk of a busy table, never decide a sequence, so they stay out of the index.
 */
export const SEQUENCE_INDEX_PREDICATE = `state <> 'completed' AND ${SEQUENCE_KEY_EXPRESSION} IS NOT NULL`;

/** A workflow task's workflow id and task name, as the workflow indexes and their queries spell them. */
export const WORKFLOW_ID_EXPRESSION = `((metadata -> 'tributary:workflow'::text) ->> 'id'::text)`;
export const WORKFLOW_TASK_EXPRESSION = `((metadata -> 'tributary:workflow'::text) ->> 'task'::text)`;
/** Workflow tasks only: other jobs pay for the workflow indexes with this check alone. */
export const WORKFLOW_INDEX_PREDICATE = `(metadata ? 'tributary:workflow'::text)`;
/** The pending index's predicate: tasks waiting on dependencies, the only ones a release decides. */
export const WORKFLOW_PENDING_PREDICATE = `state = 'pending' AND ${WORKFLOW_INDEX_PREDICATE}`;
/** The unfinished-tasks index's predicate: what a task waiting on many others may still wait for. */
export const WORKFLOW_UNFINISHED_PREDICATE = `state NOT IN ('completed', 'cancelled', 'discarded') AND ${WORKFLOW_INDEX_PREDICATE}`;
/** The failed-tasks index's predicate: a workflow's cancelled and discarded tasks, normally none. */
export const WORKFLOW_FAILED_PREDICATE = `state IN ('cancelled', 'discarded') AND ${WORKFLOW_INDEX_PREDICATE}`;

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Builds Tributary's Drizzle tables (River's schema, version 7): `riverJob`, `riverQueue`,
 * `riverLeader`, `riverMigration`, `riverNotification`, the enum `riverJobState`, and
 * Tributary's own `tributaryClient` (client heartbeats) and `tributaryQueueSample` (the web UI
 * dashboard's per-minute figures). Use it to put the queue in a named
 * Postgres schema or to opt in to River's GIN indexes; `tributary-queue/schema` exports the
 * default build. What a Drizzle schema cannot declare (`river_leader` UNLOGGED, the `tags`
 * default, River's SQL function and migration rows) is in the shipped interop migrations.
 *
 * @example
 * ```ts
 * // db/schema.ts: export riverSchema too, or drizzle-kit will not create the Postgres schema
 * export const { riverSchema, riverJob, riverQueue, riverLeader, riverMigration, riverNotification, riverJobState, tributaryClient, tributaryQueueSample } =
 *   createSchema({ schema: 'queue' });
 * ```
 */
export function createSchema(options: CreateSchemaOptions = {}) {
  const schemaName = options.schema && options.schema !== 'public' ? options.schema : undefined;
  const namespace = schemaName ? pgSchema(schemaName) : undefined;
  const enumOf = namespace ? namespace.enum.bind(namespace) : pgEnum;
  const tableOf = (namespace ? namespace.table.bind(namespace) : pgTable) as typeof pgTable;

  const riverJobState = enumOf('river_job_state', JOB_STATES);

  const riverJob = tableOf(
    'river_job',
    {
      id: bigserial('id', { mode: 'number' }).primaryKey(),
      state: riverJobState('state').notNull().default('available'),
      attempt: smallint('attempt').notNull().default(0),
      maxAttempts: smallint('max_attempts').notNull().default(25),
      attemptedAt: ts('attempted_at'),
      createdAt: ts('created_at').notNull().defaultNow(),
      finalizedAt: ts('finalized_at'),
      scheduledAt: ts('scheduled_at').notNull().defaultNow(),
      priority: smallint('priority').notNull().default(1),
      args: jsonb('args').notNull(),
      attemptedBy: text('attempted_by').array(),
      errors: jsonb('errors').array(),
      kind: text('kind').notNull(),
      metadata: jsonb('metadata').notNull().default(sql`'{}'::jsonb`),
      queue: text('queue').notNull().default('default'),
      // River's DEFAULT '{}' is added by the interop migration, not declared here: drizzle-kit
      // 0.31 reads any empty string-array default back as '{""}', so with it declared every
      // `drizzle-kit push` proposed setting it again. Tributary always writes tags itself; the
      // client-side default keeps tags optional for Drizzle inserts, and drizzle-kit ignores it.
      tags: varchar('tags', { length: 255 }).array().notNull().$defaultFn(() => []),
      uniqueKey: bytea('unique_key'),
      uniqueStates: bit8('unique_states'),
    },
    (t) => [
      check(
        'finalized_or_finalized_at_null',
        sql`(finalized_at IS NULL AND state NOT IN ('cancelled', 'completed', 'discarded')) OR (finalized_at IS NOT NULL AND state IN ('cancelled', 'completed', 'discarded'))`,
      ),
      check('max_attempts_is_positive', sql`max_attempts > 0`),
      check('priority_in_range', sql`priority >= 1 AND priority <= 4`),
      check('queue_length', sql`char_length(queue) > 0 AND char_length(queue) < 128`),
      check('kind_length', sql`char_length(kind) > 0 AND char_length(kind) < 128`),
      index('river_job_kind').on(t.kind),
      index('river_job_state_and_finalized_at_index')
        .on(t.state, t.finalizedAt)
        .where(sql`finalized_at IS NOT NULL`),
      index('river_job_prioritized_fetching_index').on(t.state, t.queue, t.priority, t.scheduledAt, t.id),
      uniqueIndex('river_job_unique_idx').on(t.uniqueKey).where(sql.raw(UNIQUE_STATES_PREDICATE)),
      // Tributary's own: each sequence's head, running job and halts, found by key.
      // All three as expressions: drizzle-kit reads every column of an index with an expression back as one.
      index('tributary_job_sequence_idx').on(sql.raw(SEQUENCE_KEY_EXPRESSION), sql`state`, sql`id`).where(sql.raw(SEQUENCE_INDEX_PREDICATE)),
      // Tributary's own, for workflows, all partial: tasks by workflow and name (outputs,
      // workflowGet, each dependency's state); a workflow's pending tasks (a completion's
      // possible dependents) and its failed tasks. Not a GIN index of the names tasks wait on:
      // names repeat across workflows ('charge' in every order), so it would find every
      // workflow's waiting tasks for each completion.
      index('tributary_job_workflow_idx').on(sql.raw(WORKFLOW_ID_EXPRESSION), sql.raw(WORKFLOW_TASK_EXPRESSION)).where(sql.raw(WORKFLOW_INDEX_PREDICATE)),
      index('tributary_job_workflow_pending_idx').on(sql.raw(WORKFLOW_ID_EXPRESSION)).where(sql.raw(WORKFLOW_PENDING_PREDICATE)),
      index('tributary_job_workflow_failed_idx').on(sql.raw(WORKFLOW_ID_EXPRESSION)).where(sql.raw(WORKFLOW_FAILED_PREDICATE)),
      // A workflow's unfinished tasks: once the last of a fan-in's 10,000 parents is done, the
      // few left say so, where probing every parent took 25 ms.
      index('tributary_job_workflow_unfinished_idx').on(sql.raw(WORKFLOW_ID_EXPRESSION)).where(sql.raw(WORKFLOW_UNFINISHED_PREDICATE)),
      ...(options.argsIndex ? [index('river_job_args_index').using('gin', t.args)] : []),
      ...(options.metadataIndex ? [index('river_job_metadata_index').using('gin', t.metadata)] : []),
    ],
  );

  const riverQueue = tableOf('river_queue', {
    name: text('name').primaryKey(),
    createdAt: ts('created_at').notNull().defaultNow(),
    metadata: jsonb('metadata').notNull().default(sql`'{}'::jsonb`),
    pausedAt: ts('paused_at'),
    // River's migration 007 spells this default CURRENT_TIMESTAMP (created_at keeps now()).
    updatedAt: ts('updated_at').notNull().default(sql`CURRENT_TIMESTAMP`),
  });

  // River's river_leader is UNLOGGED, which a Drizzle table cannot declare: the interop
  // migration makes it so.
  const riverLeader = tableOf(
    'river_leader',
    {
      electedAt: ts('elected_at').notNull(),
      expiresAt: ts('expires_at').notNull(),
      leaderId: text('leader_id').notNull(),
      name: text('name').primaryKey().default('default'),
    },
    () => [
      check('name_length', sql`name = 'default'`),
      check('leader_id_length', sql`char_length(leader_id) > 0 AND char_length(leader_id) < 128`),
    ],
  );

  const riverMigration = tableOf(
    'river_migration',
    {
      line: text('line').notNull(),
      version: bigint('version', { mode: 'number' }).notNull(),
      createdAt: ts('created_at').notNull().defaultNow(),
    },
    (t) => [
      // The name River's migrator leaves: its migration 005 builds this table while the old one
      // still holds river_migration_pkey.
      primaryKey({ name: 'river_migration_pkey1', columns: [t.line, t.version] }),
      check('line_length', sql`char_length(line) > 0 AND char_length(line) < 128`),
      check('version_gte_1', sql`version >= 1`),
    ],
  );

  // River's notification outbox (its migration 007). River's Postgres driver notifies through
  // LISTEN/NOTIFY and only cleans this table; Tributary neither writes nor reads it.
  const riverNotification = tableOf(
    'river_notification',
    {
      id: bigserial('id', { mode: 'number' }).primaryKey(),
      createdAt: ts('created_at').notNull().defaultNow(),
      payload: text('payload').notNull(),
      topic: text('topic').notNull(),
    },
    (t) => [
      check('topic_length', sql`length(topic) > 0 AND length(topic) < 128`),
      index('river_notification_created_at_idx').on(t.createdAt),
      index('river_notification_topic_id_idx').on(t.topic, t.id),
    ],
  );

  // drizzle-kit writes CREATE SCHEMA only for a pgSchema that the schema file exports, so the
  // namespace is returned for the user to export beside the tables.
  // Tributary's own table (River has no equivalent): each working client's liveness, so the
  // rescuer can retry the jobs of a client that died at once instead of after an hour.
  const tributaryClient = tableOf(
    'tributary_client',
    {
      id: text('id').primaryKey(),
      hostname: text('hostname').notNull(),
      pid: integer('pid').notNull(),
      startedAt: ts('started_at').notNull().defaultNow(),
      heartbeatAt: ts('heartbeat_at').notNull().defaultNow(),
      stoppedAt: ts('stopped_at'),
    },
    () => [check('tributary_client_id_length', sql`char_length(id) > 0 AND char_length(id) <= 100`)],
  );

  // Tributary's own table (River has none): the dashboard's figures, one row per queue and
  // minute. Working clients add the jobs they completed, failed and discarded; the leader writes
  // the queue's depth once a minute and deletes rows older than about a day. Small (queues x
  // ~1,560 rows), so the dashboard never counts the big river_job.
  const tributaryQueueSample = tableOf(
    'tributary_queue_sample',
    {
      queue: text('queue').notNull(),
      at: ts('at').notNull(),
      completed: integer('completed').notNull().default(0),
      failed: integer('failed').notNull().default(0),
      discarded: integer('discarded').notNull().default(0),
      // Null until the leader samples the minute: a gap in the chart, not a false zero.
      available: integer('available'),
      scheduled: integer('scheduled'),
      running: integer('running'),
      retryable: integer('retryable'),
    },
    (t) => [primaryKey({ name: 'tributary_queue_sample_pkey', columns: [t.queue, t.at] })],
  );

  return { riverSchema: namespace, riverJobState, riverJob, riverQueue, riverLeader, riverMigration, riverNotification, tributaryClient, tributaryQueueSample };
}

/** The tables {@link createSchema} returns. */
export type TributarySchema = ReturnType<typeof createSchema>;
