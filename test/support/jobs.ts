import * as v from 'valibot';
import { defineJob } from '../../src/index.js';

/** Job definitions shared by the tests. */
export const sendEmail = defineJob({
  kind: 'send_email',
  args: v.object({
    to: v.pipe(v.string(), v.email()),
    subject: v.string(),
    attachments: v.optional(v.array(v.object({ name: v.string(), bytes: v.number() }))),
  }),
});

export const chargeCard = defineJob({
  kind: 'charge_card',
  args: v.object({ orderId: v.number(), cents: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
  insertOpts: { queue: 'payments', priority: 2, maxAttempts: 5 },
});

export const noop = defineJob({ kind: 'noop', args: v.object({ n: v.optional(v.number()) }) });
