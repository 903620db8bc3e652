// stop({ timeout }): a shutdown with a deadline. Near it, running jobs are cancelled and
// prefetched ones given back; at it, the stop returns and what is left goes to the rescuer.
import { expect, test } from 'vitest';
import { Client, ValidationError, work, type ClientConfig } from '../../src/index.js';
import { DeadClientRescuer } from '../../src/maintenance/dead-client-rescuer.js';
import { noop } from '../support/jobs.js';
import { jobRow, quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client();

function makeClient(queue: string, config: Partial<ClientConfig>) {
  return new Client({ pool: t.pool, logger: quietLogger, fetchCooldown: 5, fetchPollInterval: 50, queues: { [queue]: { maxWorkers: 1, prefetch: 5 } }, ...config });
}

test('a worker that passes its signal on is cancelled before the deadline; prefetched jobs go back; stop resolves in time', async () => {
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  let reason: unknown;
  const client = makeClient('deadline', {
    workers: [work(noop, (_job, { signal }) => {
      started();
      // A persistent worker: it only ends when its signal aborts.
      return new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject((reason = signal.reason))));
    }, { timeout: -1 })],
  });
  const jobs = await inserter.insertMany(t.db, Array.from({ length: 4 }, () => ({ job: noop, args: {}, opts: { queue: 'deadline' } })));
  await client.start();
  await running;
  await waitFor(async () => (await t.query(`SELECT count(*)::int AS n FROM river_job WHERE queue = 'deadline' AND state = 'running'`))[0]!.n === 4, {
    message: 'one job running and three prefetched',
  });

  const began = Date.now();
  await client.stop({ timeout: 1000 });
  const took = Date.now() - began;
  expect(took).toBeGreaterThanOrEqual(450); // soft until halfway: the worker had its chance to finish
  expect(took).toBeLessThan(1000 + 2000); // and the deadline held (a margin for a busy machine)
  expect(String(reason)).toMatch(/stop timeout was reached/);
  const rows = await Promise.all(jobs.map(({ job }) => jobRow(t, job.id)));
  expect(rows.map((r) => r.state).sort()).toEqual(['available', 'available', 'available', 'retryable']);
  const retried = rows.find((r) => r.state === 'retryable')!;
  expect(retried.errors[0]).toMatchObject({ error: 'client stopped: its stop timeout was reached' });
  for (const row of rows.filter((r) => r.state === 'available')) expect(row).toMatchObject({ attempt: 0, attempted_by: null });
});

test('a worker that ignores its signal is left to the rescuer at the deadline; stop still resolves', async () => {
  let release!: () => void;
  const hung = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const client = makeClient('ignores', { workers: [work(noop, async () => { started(); await hung; }, { timeout: -1 })] });
  const { job } = await inserter.insert(t.db, noop, {}, { queue: 'ignores' });
  await client.start();
  await running;
  try {
    const began = Date.now();
    await client.stop({ timeout: 600 });
    expect(Date.now() - began).toBeLessThan(600 + 2000);
    expect((await jobRow(t, job.id)).state).toBe('running');
    // The stop is recorded after all, so other clients rescue the job at once.
    await waitFor(async () => (await t.query(`SELECT stopped_at FROM tributary_client WHERE id = $1`, [client.id]))[0]?.stopped_at, {
      message: 'the stop recorded in tributary_client',
    });
    await new DeadClientRescuer({ pool: t.pool, schema: undefined, logger: quietLogger, clientDeadAfterMs: 30_000 }).runOnce();
    expect((await jobRow(t, job.id)).state).toBe('available');
  } finally {
    release();
  }
});

test('a timeout given while a stop is under way shortens it', async () => {
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const client = makeClient('shorten', {
    workers: [work(noop, (_job, { signal }) => {
      started();
      return new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    }, { timeout: -1 })],
  });
  await inserter.insert(t.db, noop, {}, { queue: 'shorten' });
  await client.start();
  await running;
  const soft = client.stop(); // would wait forever for this worker
  const bounded = client.stop({ timeout: 500 });
  expect(bounded).toBe(soft);
  await expect(bounded).resolves.toBeUndefined();
});

test('stop options are checked', async () => {
  const client = new Client({ pool: t.pool, logger: quietLogger });
  expect(() => client.stop({ timout: 10 } as never)).toThrow(ValidationError);
  expect(() => client.stop({ timout: 10 } as never)).toThrow('stop(): timout: is not a stop option; did you mean "timeout"?');
  expect(() => client.stopAndCancel({ timeout: -5 })).toThrow('stopAndCancel(): timeout: must be a number of ms >= 0, got -5');
  expect(() => client.stop({ timeout: Number.NaN })).toThrow(/timeout: must be a number of ms >= 0/);
  await client.stop({ timeout: 0 });
});
