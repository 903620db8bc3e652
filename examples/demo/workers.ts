import { eq } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { setTimeout as sleep } from 'node:timers/promises';
import { work } from 'tributary-queue';
import { awardLoyaltyPoints, checkOrderTimeout, sendReceiptEmail, sendSms } from './jobs.js';
import { orders } from './schema.js';

// One work(...) per job definition. Each worker gets its job's args already parsed by the
// definition's schema, so `job.args` is typed: the args schema is the whole contract.
//
// The handlers stand in for calls to an SMS gateway, a mailer, a loyalty service. They pass
// `signal` on to what they await, so a timeout or `stopAndCancel()` interrupts them at once
// instead of leaving them running unseen.

/** Stands in for real work: waits `ms`, or throws why the signal aborted (timeout, stop, cancel). */
const simulateWork = (ms: number, signal: AbortSignal) =>
  sleep(ms, undefined, { signal }).catch((error: unknown) => {
    throw signal.aborted ? signal.reason : error;
  });

/** The queues this process works, and how many jobs of each run at once. */
export const queues = {
  notifications: { maxWorkers: 10 },
  default: { maxWorkers: 5 },
  orders: { maxWorkers: 2 },
};

export function makeWorkers(db: NodePgDatabase) {
  return [
    work(sendSms, async (job, { signal }) => {
      await simulateWork(150, signal); // sms.send(job.args.phone, job.args.text, { signal })
    }),

    work(sendReceiptEmail, async (job, { signal }) => {
      await simulateWork(300, signal); // mailer.send({ to: job.args.to, ... }, { signal })
    }),

    work(
      awardLoyaltyPoints,
      async (job, { signal }) => {
        await simulateWork(200, signal);
        // Throwing fails this attempt: the error is stored in river_job.errors and the job runs
        // again later. `job.attempt` counts from 1; here every job's first attempt fails.
        if (job.attempt === 1) throw new Error('loyalty service unavailable (simulated)');
      },
      // The default backoff is attempt⁴ seconds; the demo retries after one second.
      { nextRetry: () => 1000 },
    ),

    work(checkOrderTimeout, async (job, { logger }) => {
      // Scheduled 30 minutes after payment, so it does not run during the demo.
      const [order] = await db.select({ status: orders.status }).from(orders).where(eq(orders.id, job.args.orderId));
      if (order?.status === 'paid') logger.warn(`order #${job.args.orderId} is paid but still not shipped`);
    }),
  ];
}
