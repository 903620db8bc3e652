CREATE TABLE "river_notification" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"payload" text NOT NULL,
	"topic" text NOT NULL,
	CONSTRAINT "topic_length" CHECK (length(topic) > 0 AND length(topic) < 128)
);
--> statement-breakpoint
ALTER TABLE "river_migration" DROP CONSTRAINT "river_migration_line_version_pk";--> statement-breakpoint
ALTER TABLE "river_job" ALTER COLUMN "tags" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "river_queue" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;--> statement-breakpoint
ALTER TABLE "river_migration" ADD CONSTRAINT "river_migration_pkey1" PRIMARY KEY("line","version");--> statement-breakpoint
CREATE INDEX "river_notification_created_at_idx" ON "river_notification" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "river_notification_topic_id_idx" ON "river_notification" USING btree ("topic","id");