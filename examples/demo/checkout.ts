import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { Client } from 'tributary-queue';
import { awardLoyaltyPoints, checkOrderTimeout, ORDER_TIMEOUT_MS, sendReceiptEmail, sendSms } from './jobs.js';
import { orders, type NewOrder } from './schema.js';

/**
 * The app's "order paid" handler: the order and its follow-up jobs are written in one
 * transaction, so there is never an order without its jobs, nor jobs for an order that was not
 * saved. `failAfterInsert` simulates a crash before commit.
 */
export async function recordPaidOrder(db: NodePgDatabase, client: Client, order: NewOrder, failAfterInsert = false) {
  return db.transaction(async (tx) => {
    const [saved] = await tx.insert(orders).values(order).returning();
    if (!saved) throw new Error('insert into orders returned no row');

    // One statement, one round trip, for the jobs that should run as soon as possible.
    const [sms, email, points] = await client.insertMany(tx, [
      { job: sendSms, args: { orderId: saved.id, phone: saved.phone, text: `Order #${saved.id} is confirmed.` } },
      { job: sendReceiptEmail, args: { orderId: saved.id, to: saved.email } },
      { job: awardLoyaltyPoints, args: { orderId: saved.id, points: Math.floor(saved.totalCents / 100) } },
    ]);
    // A future scheduledAt stores the job as `scheduled`; it becomes runnable when the time comes.
    const timeout = await client.insert(
      tx,
      checkOrderTimeout,
      { orderId: saved.id },
      { scheduledAt: new Date(Date.now() + ORDER_TIMEOUT_MS) },
    );

    if (failAfterInsert) throw new Error('simulated crash before commit');
    return { order: saved, jobIds: [sms.job.id, email.job.id, points.job.id, timeout.job.id] };
  });
}
