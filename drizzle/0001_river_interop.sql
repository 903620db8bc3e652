-- River interop: what River's own clients (Go, Python, Ruby) expect beyond the tables.
-- River's unique insert names this function in its ON CONFLICT clause; the unique index itself is
-- written with the same CASE inline, which Postgres matches once it inlines the function.
CREATE OR REPLACE FUNCTION river_job_state_in_bitmask(bitmask bit(8), state river_job_state)
RETURNS boolean
LANGUAGE SQL
IMMUTABLE
AS $$
    SELECT CASE state
        WHEN 'available' THEN get_bit(bitmask, 7)
        WHEN 'cancelled' THEN get_bit(bitmask, 6)
        WHEN 'completed' THEN get_bit(bitmask, 5)
        WHEN 'discarded' THEN get_bit(bitmask, 4)
        WHEN 'pending' THEN get_bit(bitmask, 3)
        WHEN 'retryable' THEN get_bit(bitmask, 2)
        WHEN 'running' THEN get_bit(bitmask, 1)
        WHEN 'scheduled' THEN get_bit(bitmask, 0)
        ELSE 0
    END = 1;
$$;
--> statement-breakpoint
-- River's migrator then sees this database as current on its 'main' line.
INSERT INTO river_migration (line, version)
SELECT 'main', v FROM generate_series(1, 7) AS v
ON CONFLICT (line, version) DO NOTHING;
