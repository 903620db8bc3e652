import * as v from 'valibot';
import { defineJob } from 'tributary-queue';

// Job definitions are shared by the code that inserts them (checkout.ts) and the code that works
// them (workers.ts), so the args schema is the single contract between the two.

const orderId = v.pipe(v.number(), v.integer(), v.minValue(1));

export const sendSms = defineJob({
  kind: 'send_sms',
  args: v.object({ orderId, phone: v.pipe(v.string(), v.regex(/^\+\d{6,15}$/)), text: v.string() }),
  // The customer is staring at their phone: this one goes first.
  insertOpts: { queue: 'notifications', priority: 1 },
});

export const sendReceiptEmail = defineJob({
  kind: 'send_receipt_email',
  args: v.object({ orderId, to: v.pipe(v.string(), v.email()) }),
  // Payment providers retry webhooks; keying on the args means a retried webhook cannot send a
  // second receipt for the same order.
  insertOpts: { queue: 'notifications', priority: 2, uniqueOpts: { byArgs: true } },
});

export const awardLoyaltyPoints = defineJob({
  kind: 'award_loyalty_points',
  args: v.object({ orderId, points: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
  insertOpts: { priority: 3 },
});

export const checkOrderTimeout = defineJob({
  kind: 'check_order_timeout',
  args: v.object({ orderId }),
  // Only useful if the order is still unshipped later; the delay is chosen at insert time.
  insertOpts: { queue: 'orders', priority: 4 },
});

/** How long a paid order may wait before someone is alerted that it has not shipped. */
export const ORDER_TIMEOUT_MS = 30 * 60_000;
