import { afterAll, expect, test } from 'vitest';
import { Client, work } from '../../src/index.js';
import type { Producer } from '../../src/runtime/producer.js';
import { noop } from '../support/jobs.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

// The fetch cooldown exists for clients racing each other for the same notified jobs. A client
// whose own earlier fetch took the notified job must not cool down: its next insert would wait.
const t = await createTestDatabase();
const COOLDOWN_MS = 10_000;
const startedAt = new Map<number, number>();
const client = new Client({
  pool: t.pool,
  logger: quietLogger,
  fetchCooldown: COOLDOWN_MS,
  fetchPollInterval: 60_000,
  queues: { default: { maxWorkers: 5 } },
  workers: [work(noop, (job) => void startedAt.set(job.id, Date.now()))],
});
afterAll(() => client.stop());
const started = (id: number) => waitFor(() => startedAt.get(id), { timeoutMs: 15_000, message: `job ${id} to start` });

test("an empty fetch after the client's own fetch took the notified job does not start the cooldown", async () => {
  await client.start();
  const producer = (client as unknown as { runtime: { producers: Map<string, Producer> } }).runtime.producers.get('default')!;

  // A job inserted without a notification, then the race: a fetch is under way (as a poll would
  // be) when the notification for that same job arrives. The fetch takes the job, and the fetch
  // the notification asked for finds nothing.
  const [row] = await t.query(`INSERT INTO river_job (kind, args) VALUES ('noop', '{}') RETURNING id::int`);
  producer.wake('poll');
  producer.wake('notify');
  await started(row!.id);

  // The next insert is notified and must start now, not after a 10 s cooldown.
  const at = Date.now();
  const { job } = await client.insert(t.db, noop, {});
  expect((await started(job.id)) - at).toBeLessThan(COOLDOWN_MS / 2);
});
