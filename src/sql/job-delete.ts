import { query, tableName, type Query } from './query.js';

/**
 * Deletes a job unless it is running, as River's JobDelete. Returns the job (`job`, row_to_json
 * text) and whether it was `deleted`, or no row for an unknown id.
 */
export function jobDelete(p: { schema: string | undefined; id: number }): Query {
  const job = tableName(p.schema, 'river_job');
  return query`WITH locked AS (
  SELECT * FROM ${job} WHERE id = ${p.id} FOR UPDATE
),
deleted AS (
  DELETE FROM ${job} AS j USING locked WHERE j.id = locked.id AND locked.state <> 'running' RETURNING j.*
)
SELECT row_to_json(d)::text AS job, true AS deleted FROM deleted AS d
UNION ALL
SELECT row_to_json(l)::text, false FROM locked AS l WHERE NOT EXISTS (SELECT 1 FROM deleted)`;
}
