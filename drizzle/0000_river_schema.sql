CREATE TYPE "public"."river_job_state" AS ENUM('available', 'cancelled', 'completed', 'discarded', 'pending', 'retryable', 'running', 'scheduled');--> statement-breakpoint
CREATE TABLE "river_job" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"state" "river_job_state" DEFAULT 'available' NOT NULL,
	"attempt" smallint DEFAULT 0 NOT NULL,
	"max_attempts" smallint DEFAULT 25 NOT NULL,
	"attempted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finalized_at" timestamp with time zone,
	"scheduled_at" timestamp with time zone DEFAULT now() NOT NULL,
	"priority" smallint DEFAULT 1 NOT NULL,
	"args" jsonb NOT NULL,
	"attempted_by" text[],
	"errors" jsonb[],
	"kind" text NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"queue" text DEFAULT 'default' NOT NULL,
	"tags" varchar(255)[] DEFAULT '{}'::character varying[] NOT NULL,
	"unique_key" "bytea",
	"unique_states" bit(8),
	CONSTRAINT "finalized_or_finalized_at_null" CHECK ((finalized_at IS NULL AND state NOT IN ('cancelled', 'completed', 'discarded')) OR (finalized_at IS NOT NULL AND state IN ('cancelled', 'completed', 'discarded'))),
	CONSTRAINT "max_attempts_is_positive" CHECK (max_attempts > 0),
	CONSTRAINT "priority_in_range" CHECK (priority >= 1 AND priority <= 4),
	CONSTRAINT "queue_length" CHECK (char_length(queue) > 0 AND char_length(queue) < 128),
	CONSTRAINT "kind_length" CHECK (char_length(kind) > 0 AND char_length(kind) < 128)
);
--> statement-breakpoint
CREATE TABLE "river_leader" (
	"elected_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"leader_id" text NOT NULL,
	"name" text PRIMARY KEY DEFAULT 'default' NOT NULL,
	CONSTRAINT "name_length" CHECK (name = 'default'),
	CONSTRAINT "leader_id_length" CHECK (char_length(leader_id) > 0 AND char_length(leader_id) < 128)
);
--> statement-breakpoint
CREATE TABLE "river_migration" (
	"line" text NOT NULL,
	"version" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "river_migration_line_version_pk" PRIMARY KEY("line","version"),
	CONSTRAINT "line_length" CHECK (char_length(line) > 0 AND char_length(line) < 128),
	CONSTRAINT "version_gte_1" CHECK (version >= 1)
);
--> statement-breakpoint
CREATE TABLE "river_queue" (
	"name" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"paused_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "river_job_kind" ON "river_job" USING btree ("kind");--> statement-breakpoint
CREATE INDEX "river_job_state_and_finalized_at_index" ON "river_job" USING btree ("state","finalized_at") WHERE finalized_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX "river_job_prioritized_fetching_index" ON "river_job" USING btree ("state","queue","priority","scheduled_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "river_job_unique_idx" ON "river_job" USING btree ("unique_key") WHERE unique_key IS NOT NULL AND unique_states IS NOT NULL AND CASE state WHEN 'available' THEN get_bit(unique_states, 7) WHEN 'cancelled' THEN get_bit(unique_states, 6) WHEN 'completed' THEN get_bit(unique_states, 5) WHEN 'discarded' THEN get_bit(unique_states, 4) WHEN 'pending' THEN get_bit(unique_states, 3) WHEN 'retryable' THEN get_bit(unique_states, 2) WHEN 'running' THEN get_bit(unique_states, 1) WHEN 'scheduled' THEN get_bit(unique_states, 0) ELSE 0 END = 1;