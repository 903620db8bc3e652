import type { EventHub } from '../events.js';
import type { Logger } from '../logger.js';
import type { PgPool } from '../sql/pg-pool.js';
import { jobProgressSet } from '../sql/job-progress-set.js';
import type { ProgressStore } from './progress-throttle.js';

/** The runtime's {@link ProgressStore}: one statement per write on the pool, then `job_progress`. */
export function runtimeProgressStore(config: { pool: PgPool; schema: string | undefined; logger: Logger }, events: EventHub): ProgressStore {
  const { pool, schema, logger } = config;
  return {
    logger,
    async write(job, json, progress) {
      const { text, values } = jobProgressSet({ schema, id: job.id, attempt: job.attempt, json });
      await pool.query(text, values);
      if (events.has('job_progress')) events.emit('job_progress', { job: { ...job, metadata: { ...job.metadata, progress } }, progress });
    },
  };
}
