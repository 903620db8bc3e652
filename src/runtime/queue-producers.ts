import pg from 'pg';
import { isLimited, LimitedFetch } from '../flow/limited-fetch.js';
import { SlotNotices } from '../flow/slot-notices.js';
import type { JobRow } from '../job-row.js';
import type { ClientFaults } from './faults.js';
import { Producer } from './producer.js';
import type { RuntimeConfig } from './runtime-config.js';

export interface QueueProducers {
  producers: Map<string, Producer>;
  /** Freed-slot bookkeeping and notices, when some queue has limits. */
  slots: SlotNotices | undefined;
}

/**
 * One producer per configured queue, the limited ones fetching through {@link LimitedFetch}, and
 * the slot notices those share.
 */
export function queueProducers(
  config: RuntimeConfig,
  faults: ClientFaults,
  hooks: {
    run: (job: JobRow<unknown>) => Promise<void>;
    release: (jobs: JobRow<unknown>[]) => Promise<void>;
    pauseChanged: (queue: string, paused: boolean) => void;
    holdFetch?: () => boolean;
  },
): QueueProducers {
  const producers = new Map<string, Producer>();
  const limitedFetches = new Map<string, LimitedFetch>();
  const limitedQueues = new Set([...config.queues].filter(([, q]) => isLimited(q)).map(([name]) => name));
  const slots = limitedQueues.size === 0 ? undefined : new SlotNotices({
    pool: config.pool,
    logger: config.logger,
    clientId: config.id,
    queues: limitedQueues,
    // While fetches are shared the queue runs at most about half its limit: nobody waits for a slot.
    othersMayUse: (queue) =>
      config.queues.get(queue)?.concurrency?.localLimit !== undefined || (producers.get(queue)?.refetchesOnFinish !== true && limitedFetches.get(queue)?.sharing !== true),
  });
  // A named fetch statement only through node-postgres' own pool: a wrapper's query may take only text.
  // The fetch returns one text column, so a migration of river_job cannot change its result type.
  const prepared = config.preparedStatements && config.pool instanceof pg.Pool;
  for (const [queue, { maxWorkers, prefetch, concurrency, rateLimit }] of config.queues) {
    const limited =
      slots && limitedQueues.has(queue)
        ? new LimitedFetch({ pool: config.pool, prepared, schema: config.schema, queue, clientId: config.id, logger: config.logger, concurrency, rateLimit, finishedIds: () => slots.finishedIds(queue) })
        : undefined;
    if (limited) limitedFetches.set(queue, limited);
    producers.set(
      queue,
      new Producer({
        queue,
        maxWorkers,
        // Adaptive for limited queues too: a fetch the limit cuts short halves it, so it holds
        // no slots while the limit binds (see the README's "Concurrency and rate limits").
        prefetch,
        limited,
        pool: config.pool,
        prepared,
        schema: config.schema,
        clientId: config.id,
        logger: config.logger,
        fetchCooldown: config.fetchCooldown,
        fetchPollInterval: config.fetchPollInterval,
        faults,
        run: hooks.run,
        release: hooks.release,
        onPauseChange: (paused) => hooks.pauseChanged(queue, paused),
        holdFetch: hooks.holdFetch,
      }),
    );
  }
  return { producers, slots };
}
