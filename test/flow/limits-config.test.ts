import { expect, test } from 'vitest';
import { Client } from '../../src/index.js';

const make = (api: Record<string, unknown>) => () => new Client({ queues: { api: { maxWorkers: 10, ...api } as never } });

test.each([
  [{ concurrency: { globalLimit: 0 } }, 'queues.api.concurrency.globalLimit: must be a positive integer, got 0'],
  [{ concurrency: { globalLimit: 2.5 } }, 'queues.api.concurrency.globalLimit: must be a positive integer, got 2.5'],
  [{ concurrency: { globalLimit: '3' } }, 'queues.api.concurrency.globalLimit: must be a positive integer, got "3"'],
  [{ concurrency: { localLimit: -1 } }, 'queues.api.concurrency.localLimit: must be a positive integer, got -1'],
  [{ concurrency: { localLimit: 11 } }, 'queues.api.concurrency.localLimit: is 11, above maxWorkers (10), so it would never apply'],
  [{ concurrency: {} }, 'queues.api.concurrency: limits nothing: set globalLimit, localLimit or both'],
  [{ concurrency: { globalLimit: 3, globalLimt: 3 } }, 'queues.api.concurrency.globalLimt'],
  [{ concurrency: 3 }, 'queues.api.concurrency: must be an object'],
  [{ concurrency: { globalLimit: 3, partition: { byArgs: [] } } }, 'queues.api.concurrency.partition.byArgs: is an empty list'],
  [{ concurrency: { globalLimit: 3, partition: { byArgs: ['a', 'a'] } } }, 'queues.api.concurrency.partition.byArgs[1]: "a" is listed twice'],
  [{ concurrency: { globalLimit: 3, partition: { byArgs: ['a.b'] } } }, 'queues.api.concurrency.partition.byArgs[0]: "a.b" names a nested field'],
  [{ concurrency: { globalLimit: 3, partition: { byArgs: [7] } } }, 'queues.api.concurrency.partition.byArgs[0]: must be a top-level args field name, got 7'],
  [{ concurrency: { globalLimit: 3, partition: { byArgs: false } } }, 'queues.api.concurrency.partition.byArgs: must be true or a list of top-level args field names, got false'],
  [{ concurrency: { globalLimit: 3, partition: { byKind: 'yes' } } }, 'queues.api.concurrency.partition.byKind: must be a boolean, got "yes"'],
  [{ concurrency: { globalLimit: 3, partition: {} } }, 'queues.api.concurrency.partition: partitions by nothing'],
  [{ rateLimit: { limit: 0, period: 1000 } }, 'queues.api.rateLimit.limit: must be an integer from 1 to 10000, got 0'],
  [{ rateLimit: { limit: 10, period: 0.5 } }, 'queues.api.rateLimit.period: must be at least 1 ms, got 0.5'],
  [{ rateLimit: { limit: 10, period: 1.5 } }, 'queues.api.rateLimit.period: must be a whole number of milliseconds, got 1.5'],
  [{ rateLimit: { limit: 10 } }, 'queues.api.rateLimit.period: must be a whole number of milliseconds, got undefined'],
  [{ rateLimit: { limit: 10, period: 100, partition: { byArgs: [''] } } }, 'queues.api.rateLimit.partition.byArgs[0]: must be a top-level args field name, got an empty string'],
])('%j is refused: %s', (queue, message) => {
  expect(make(queue)).toThrow(message);
});

test('every bad field is named in one error', () => {
  expect(make({ concurrency: { globalLimit: 0, localLimit: 0 }, rateLimit: { limit: 1, period: 0 } })).toThrow(
    /concurrency\.globalLimit: .*concurrency\.localLimit: .*rateLimit\.period: must be at least 1 ms/,
  );
});

test('valid limits are accepted', () => {
  expect(make({ concurrency: { globalLimit: 5, localLimit: 10, partition: { byArgs: ['customerId'], byKind: true } }, rateLimit: { limit: 60, period: 60_000, partition: { byArgs: true } } })).not.toThrow();
});
