import { expectTypeOf, test } from 'vitest';
import type { ClientConfig, ConcurrencyLimit, QueueConfig, RateLimit } from '../../src/index.js';

test('queue limits are typed options of a queue', () => {
  expectTypeOf<QueueConfig['concurrency']>().toEqualTypeOf<ConcurrencyLimit | undefined>();
  expectTypeOf<QueueConfig['rateLimit']>().toEqualTypeOf<RateLimit | undefined>();
  expectTypeOf({ maxWorkers: 10, concurrency: { globalLimit: 5, partition: { byArgs: ['customerId'] as const, byKind: true } } }).toMatchTypeOf<QueueConfig>();
  expectTypeOf({ maxWorkers: 1, rateLimit: { limit: 60, period: 60_000, partition: { byArgs: true as const } } }).toMatchTypeOf<QueueConfig>();
  // byArgs names are strings (a queue is not tied to one job's args); false is not a partition.
  expectTypeOf<{ byArgs: false }>().not.toMatchTypeOf<NonNullable<ConcurrencyLimit['partition']>>();
  // a rate limit needs both limit and period.
  expectTypeOf<{ limit: number }>().not.toMatchTypeOf<RateLimit>();
  expectTypeOf<NonNullable<ClientConfig['queues']>[string]>().toEqualTypeOf<QueueConfig>();
});
