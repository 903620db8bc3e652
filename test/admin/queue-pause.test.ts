import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { Client, defineJob, NotFoundError, work } from '../../src/index.js';
import { spawnChildClient } from '../support/child-client.js';
import { spyOnFetches } from '../support/fetch-spy.js';
import { noop } from '../support/jobs.js';
import { listen } from '../support/notifications.js';
import { nextEvent, quietLogger, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const admin = new Client({ pool: t.pool, logger: quietLogger });
const hold = defineJob({ kind: 'hold', args: v.object({}) });
const spy = spyOnFetches(t.pool);

/** Resolves once the in-process client's `clock` queue (never paused) has polled `n` more times. */
async function pollsOfClock(n: number) {
  const from = spy.count('clock');
  await waitFor(() => spy.count('clock') >= from + n, { message: `${n} polls of the clock queue` });
}

const states = async (ids: number[]) =>
  (await t.query<{ state: string }>('SELECT state::text FROM river_job WHERE id = ANY($1) ORDER BY id', [ids])).map((r) => r.state);

describe('queuePause and queueResume', () => {
  test('a pause stops fetching in every process; a resume starts both again', async () => {
    const child = await spawnChildClient(t.url, { queues: { default: { maxWorkers: 2 } } });
    const client = await startClient(t, {
      pool: spy.pool,
      queues: { default: { maxWorkers: 2 }, clock: { maxWorkers: 1 } },
      workers: [work(hold, (_job, { signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))))],
    });
    const paused = nextEvent(client, 'queue_paused');
    await admin.queuePause('default');
    expect(await paused).toEqual({ queue: 'default' });
    await child.waitFor((m) => m.type === 'queue_paused' && m.queue === 'default');
    expect((await admin.queueGet('default'))?.pausedAt).toBeInstanceOf(Date);

    // Four jobs, and room for two in each client: while paused, neither takes any.
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push((await t.query<{ id: number }>(`INSERT INTO river_job (kind, args) VALUES ('hold', '{}') RETURNING id::int`))[0]!.id);
    await pollsOfClock(5);
    expect(await states(ids)).toEqual(['available', 'available', 'available', 'available']);

    const resumed = nextEvent(client, 'queue_resumed');
    await admin.queueResume('default');
    await resumed;
    await child.waitFor((m) => m.type === 'queue_resumed' && m.queue === 'default');
    expect((await admin.queueGet('default'))?.pausedAt).toBeNull();
    // Each client runs at most two, so all four running means both work again.
    await waitFor(async () => (await states(ids)).every((s) => s === 'running'), { message: 'all four jobs running' });
    const by = await t.query<{ who: string; n: number }>(
      `SELECT attempted_by[1] AS who, count(*)::int AS n FROM river_job WHERE id = ANY($1) GROUP BY 1 ORDER BY 1`, [ids]);
    expect(Object.fromEntries(by.map((r) => [r.who, r.n]))).toEqual({ [client.id]: 2, [child.id]: 2 });

    for (const id of ids) await admin.jobCancel(id);
    for (const id of ids) await waitForState(t, id, 'cancelled');
    await child.stop();
  });

  test('the pause is stored: a client starting later stays paused until resumed', async () => {
    await t.query(`INSERT INTO river_queue (name, updated_at) VALUES ('late', now())`);
    await admin.queuePause('late');
    const { job } = await admin.insert(t.db, noop, {}, { queue: 'late' });

    const client = new Client({
      pool: spy.pool, logger: quietLogger, fetchCooldown: 5, fetchPollInterval: 100,
      queues: { late: { maxWorkers: 1 }, clock: { maxWorkers: 1 } },
      workers: [work(noop, () => {})],
    });
    const paused = nextEvent(client, 'queue_paused');
    await client.start();
    try {
      expect(await paused).toEqual({ queue: 'late' });
      await pollsOfClock(5);
      expect((await admin.jobGet(job.id))?.state).toBe('available');
      await admin.queueResume('late');
      await waitForState(t, job.id, 'completed');
    } finally {
      await client.stop();
    }
  });

  test("'*' pauses and resumes every queue's row, with one notification each", async () => {
    await t.query(`INSERT INTO river_queue (name, updated_at) VALUES ('star-a', now()), ('star-b', now()) ON CONFLICT DO NOTHING`);
    const control = await listen(t.url, 'public.river_control');
    await admin.queuePause('*');
    expect((await admin.queueList()).every((q) => q.pausedAt !== null)).toBe(true);
    await admin.queueResume('*');
    expect((await admin.queueList()).every((q) => q.pausedAt === null)).toBe(true);
    await control.flush();
    expect(control.payloads.map((p) => JSON.parse(p))).toEqual([{ action: 'pause', queue: '*' }, { action: 'resume', queue: '*' }]);
    await control.close();
  });

  test('pausing twice keeps the first paused_at; an unknown queue is a NotFoundError and notifies nobody', async () => {
    await t.query(`INSERT INTO river_queue (name, updated_at) VALUES ('twice', now())`);
    await admin.queuePause('twice');
    const first = (await admin.queueGet('twice'))!.pausedAt;
    await admin.queuePause('twice');
    expect((await admin.queueGet('twice'))!.pausedAt).toEqual(first);

    const control = await listen(t.url, 'public.river_control');
    const error = await admin.queuePause('nobody-works-this').catch((e) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toMatch(/queue "nobody-works-this" not found/);
    await expect(admin.queueResume('nobody-works-this')).rejects.toBeInstanceOf(NotFoundError);
    await control.flush();
    expect(control.payloads).toEqual([]);
    await control.close();
  });
});

describe('queueList and queueGet', () => {
  test('list in name order with a limit; get one, or undefined', async () => {
    await t.query(`INSERT INTO river_queue (name, updated_at, metadata) VALUES ('aa-first', now(), '{"team":"x"}') ON CONFLICT DO NOTHING`);
    const all = await admin.queueList();
    expect(all.map((q) => q.name)).toEqual([...all.map((q) => q.name)].sort());
    expect(await admin.queueList({ limit: 1 })).toMatchObject([{ name: 'aa-first', metadata: { team: 'x' }, pausedAt: null }]);
    expect(await admin.queueGet('aa-first')).toMatchObject({ name: 'aa-first', createdAt: expect.any(Date), updatedAt: expect.any(Date) });
    expect(await admin.queueGet('no-such-queue')).toBeUndefined();
  });
});
