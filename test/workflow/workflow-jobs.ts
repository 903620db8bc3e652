import * as v from 'valibot';
import { defineJob } from '../../src/index.js';

/** The order pipeline of the README: charge, reserve each item (fan-out), ship once all are reserved (fan-in). */
export const charge = defineJob({
  kind: 'wf_charge',
  args: v.object({ order: v.number(), amount: v.number() }),
  output: v.object({ chargeId: v.string() }),
});
export const reserve = defineJob({
  kind: 'wf_reserve',
  args: v.object({ order: v.number(), sku: v.string() }),
  output: v.object({ sku: v.string(), slot: v.number() }),
});
export const ship = defineJob({
  kind: 'wf_ship',
  args: v.object({ order: v.number() }),
  output: v.object({ tracking: v.string() }),
});
/** A step that records its name, fails when told to, and returns its name. */
export const step = defineJob({
  kind: 'wf_step',
  args: v.object({ name: v.string(), fail: v.optional(v.boolean(), false) }),
  output: v.string(),
});
