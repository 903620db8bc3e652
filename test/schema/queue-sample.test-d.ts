import { describe, expectTypeOf, test } from 'vitest';
import { createSchema, tributaryQueueSample } from '../../src/schema/index.js';

describe('tributaryQueueSample', () => {
  test('a row: counts always set, depth null for a minute not sampled', () => {
    expectTypeOf<typeof tributaryQueueSample.$inferSelect>().toEqualTypeOf<{
      queue: string;
      at: Date;
      completed: number;
      failed: number;
      discarded: number;
      available: number | null;
      scheduled: number | null;
      running: number | null;
      retryable: number | null;
    }>();
    // Counts default to 0, so an insert needs only the queue and minute.
    expectTypeOf<{ queue: string; at: Date }>().toExtend<typeof tributaryQueueSample.$inferInsert>();
  });

  test('createSchema returns it for a named schema too', () => {
    expectTypeOf(createSchema({ schema: 'queue' }).tributaryQueueSample.$inferSelect).toEqualTypeOf<typeof tributaryQueueSample.$inferSelect>();
  });
});
