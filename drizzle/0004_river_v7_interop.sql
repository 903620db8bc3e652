-- River interop, version 7: River's shape where a Drizzle schema cannot declare it. Safe to run
-- again. River keeps its leader row in an UNLOGGED table (no WAL; emptied after a crash, which
-- only means a new election).
ALTER TABLE river_leader SET UNLOGGED;
--> statement-breakpoint
-- River's default for tags (its migration 003). Not in the Drizzle schema: drizzle-kit 0.31 reads
-- an empty string-array default back as '{""}', so `drizzle-kit push` would never settle on it.
ALTER TABLE river_job ALTER COLUMN tags SET DEFAULT '{}';
