import { drizzle } from 'drizzle-orm/node-postgres';
import * as v from 'valibot';
import { afterAll, describe, expect, test } from 'vitest';
import { Client, defineJob, ValidationError } from '../../src/index.js';
import { listen } from '../support/notifications.js';
import { waitFor } from '../support/wait.js';
import { createTestDatabase } from '../support/test-database.js';

// onConflict: 'replace' (debounce): a duplicate insert updates the waiting job's args, schedule
// and priority; a job that is not waiting is never touched.

const t = await createTestDatabase();
const client = new Client();

/** "Send one digest 5 minutes after the last change": one job per user, its args the latest change. */
const digest = defineJob({
  kind: 'digest',
  args: v.object({ userId: v.number(), change: v.string() }),
  insertOpts: { queue: 'digests', uniqueOpts: { byArgs: ['userId'], onConflict: 'replace' } },
});

const channel = 'public.river_insert';
const listener = await listen(t.url, channel);
afterAll(() => listener.close());

/** The river_insert payloads committed while `fn` ran. */
async function notificationsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  await listener.flush();
  const from = listener.payloads.length;
  await fn();
  await listener.flush();
  return listener.payloads.slice(from);
}

const stored = async (id: number) =>
  (await t.query(`SELECT args, state::text, priority, scheduled_at, tags, metadata, max_attempts, queue FROM river_job WHERE id = $1`, [id]))[0]!;
const countOf = async (userId: number) => Number((await t.query(`SELECT count(*) AS n FROM river_job WHERE kind = 'digest' AND (args->>'userId')::int = $1`, [userId]))[0]!.n);
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000);

describe('onConflict: replace', () => {
  test('replaces an available job: args, schedule and so state, priority; keeps id, tags, metadata, max attempts', async () => {
    const first = await client.insert(t.db, digest, { userId: 1, change: 'a' }, { tags: ['first'], metadata: { from: 'first' }, maxAttempts: 3 });
    expect(first).toMatchObject({ uniqueSkippedAsDuplicate: false, uniqueReplaced: false, job: { state: 'available' } });
    const at = inMinutes(5);
    let second!: Awaited<ReturnType<typeof client.insert<typeof digest>>>;
    const sent = await notificationsDuring(async () => {
      second = await client.insert(t.db, digest, { userId: 1, change: 'b' }, { scheduledAt: at, priority: 3, tags: ['second'], metadata: { from: 'second' }, maxAttempts: 9 });
    });
    expect(second.uniqueReplaced).toBe(true);
    expect(second.uniqueSkippedAsDuplicate).toBe(false);
    expect(second.job.id).toBe(first.job.id);
    expect(second.job).toMatchObject({ args: { userId: 1, change: 'b' }, state: 'scheduled', priority: 3, tags: ['first'], metadata: { from: 'first' }, maxAttempts: 3 });
    expect(second.job.scheduledAt.getTime()).toBe(at.getTime());
    const row = await stored(first.job.id);
    expect(row).toMatchObject({ args: { userId: 1, change: 'b' }, state: 'scheduled', priority: 3, tags: ['first'], metadata: { from: 'first' }, max_attempts: 3, queue: 'digests' });
    expect(new Date(row.scheduled_at).getTime()).toBe(at.getTime());
    // It did not become available: no notification.
    expect(sent).toEqual([]);
    expect(await countOf(1)).toBe(1);
  });

  test('replaces a scheduled job; becoming available sends river_insert, staying scheduled does not', async () => {
    const first = await client.insert(t.db, digest, { userId: 2, change: 'a' }, { scheduledAt: inMinutes(5) });
    expect(first.job.state).toBe('scheduled');
    // Debounce: each change pushes the job back.
    const later = inMinutes(10);
    const pushed = await notificationsDuring(() => client.insert(t.db, digest, { userId: 2, change: 'b' }, { scheduledAt: later }));
    expect(pushed).toEqual([]);
    expect(await stored(first.job.id)).toMatchObject({ args: { change: 'b' }, state: 'scheduled' });

    let now!: Awaited<ReturnType<typeof client.insert<typeof digest>>>;
    const due = await notificationsDuring(async () => {
      now = await client.insert(t.db, digest, { userId: 2, change: 'c' });
    });
    expect(now).toMatchObject({ uniqueReplaced: true, job: { id: first.job.id, state: 'available', args: { change: 'c' } } });
    expect(due).toEqual(['{"queue":"digests"}']);
    expect(await stored(first.job.id)).toMatchObject({ args: { change: 'c' }, state: 'available', priority: 1 });
    expect(Math.abs(new Date((await stored(first.job.id)).scheduled_at).getTime() - Date.now())).toBeLessThan(60_000);
  });

  test('never touches a running, retryable or pending job: the insert is skipped and says so', async () => {
    for (const [userId, state] of [[3, 'running'], [4, 'retryable'], [5, 'pending']] as const) {
      const first = await client.insert(t.db, digest, { userId, change: 'a' }, { priority: 2 });
      await t.query(`UPDATE river_job SET state = $2, attempt = 1, attempted_at = now() WHERE id = $1`, [first.job.id, state]);
      const before = await stored(first.job.id);
      const second = await client.insert(t.db, digest, { userId, change: 'b' }, { scheduledAt: inMinutes(5), priority: 4 });
      expect(second, state).toMatchObject({ uniqueSkippedAsDuplicate: true, uniqueReplaced: false, job: { id: first.job.id, state, args: { change: 'a' }, priority: 2 } });
      expect(await stored(first.job.id), state).toEqual(before);
      expect(await countOf(userId)).toBe(1);
    }
  });

  test('a finalized job blocks per byState: completed skipped by default, inserted anew when byState leaves it out', async () => {
    const first = await client.insert(t.db, digest, { userId: 6, change: 'a' });
    await t.query(`UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, [first.job.id]);
    const blocked = await client.insert(t.db, digest, { userId: 6, change: 'b' });
    expect(blocked).toMatchObject({ uniqueSkippedAsDuplicate: true, uniqueReplaced: false, job: { id: first.job.id, state: 'completed', args: { change: 'a' } } });

    const opts = { uniqueOpts: { byArgs: ['userId'] as const, onConflict: 'replace' as const, byState: ['available', 'pending', 'running', 'scheduled', 'retryable'] as const } };
    const a = await client.insert(t.db, digest, { userId: 7, change: 'a' }, opts);
    await t.query(`UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, [a.job.id]);
    const fresh = await client.insert(t.db, digest, { userId: 7, change: 'b' }, opts);
    expect(fresh).toMatchObject({ uniqueSkippedAsDuplicate: false, uniqueReplaced: false, job: { state: 'available', args: { change: 'b' } } });
    expect(fresh.job.id).not.toBe(a.job.id);
    expect(await stored(a.job.id)).toMatchObject({ state: 'completed', args: { change: 'a' } });
  });

  test('with byArgs: true the args are the key: only the schedule and priority change', async () => {
    const report = defineJob({ kind: 'replace_report', args: v.object({ accountId: v.number() }), insertOpts: { uniqueOpts: { byArgs: true, onConflict: 'replace' } } });
    const first = await client.insert(t.db, report, { accountId: 1 }, { scheduledAt: inMinutes(5) });
    const second = await client.insert(t.db, report, { accountId: 1 }, { scheduledAt: inMinutes(10), priority: 2 });
    expect(second).toMatchObject({ uniqueReplaced: true, job: { id: first.job.id, args: { accountId: 1 }, priority: 2 } });
    expect(second.job.scheduledAt.getTime()).toBeGreaterThan(first.job.scheduledAt.getTime());
    const other = await client.insert(t.db, report, { accountId: 2 });
    expect(other).toMatchObject({ uniqueReplaced: false, uniqueSkippedAsDuplicate: false });
  });

  test("onConflict: 'skip' (the default) leaves the duplicate as it was", async () => {
    const opts = { uniqueOpts: { byArgs: ['userId'] as const, onConflict: 'skip' as const } };
    const first = await client.insert(t.db, digest, { userId: 8, change: 'a' }, opts);
    const second = await client.insert(t.db, digest, { userId: 8, change: 'b' }, { ...opts, scheduledAt: inMinutes(5) });
    expect(second).toMatchObject({ uniqueSkippedAsDuplicate: true, uniqueReplaced: false, job: { id: first.job.id, state: 'available', args: { change: 'a' } } });
  });
});

describe('onConflict: replace in one insertMany', () => {
  test('items of one key end as inserted one after another: the last replacing item wins', async () => {
    const at = inMinutes(5);
    const results = await client.insertMany(t.db, [
      { job: digest, args: { userId: 20, change: 'a' }, opts: { tags: ['first'] } },
      { job: digest, args: { userId: 21, change: 'x' } },
      { job: digest, args: { userId: 20, change: 'b' }, opts: { priority: 2 } },
      { job: digest, args: { userId: 20, change: 'c' }, opts: { scheduledAt: at, priority: 3 } },
    ]);
    expect(results.map((r) => [r.uniqueSkippedAsDuplicate, r.uniqueReplaced])).toEqual([[false, false], [false, false], [false, true], [false, true]]);
    const id = results[0].job.id;
    expect(results[2].job.id).toBe(id);
    expect(results[3].job.id).toBe(id);
    // Every item of the key gets the job as stored at the end.
    for (const i of [0, 2, 3] as const) {
      expect(results[i].job).toMatchObject({ args: { userId: 20, change: 'c' }, state: 'scheduled', priority: 3, tags: ['first'] });
    }
    expect(await stored(id)).toMatchObject({ args: { userId: 20, change: 'c' }, state: 'scheduled', priority: 3, tags: ['first'] });
    expect(await countOf(20)).toBe(1);
    expect(results[1].job.args).toEqual({ userId: 21, change: 'x' });
  });

  test('a batch replacing a stored waiting job; a skipping item before it skips, and a running job stays', async () => {
    const waiting = await client.insert(t.db, digest, { userId: 22, change: 'a' });
    const running = await client.insert(t.db, digest, { userId: 23, change: 'a' });
    await t.query(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() WHERE id = $1`, [running.job.id]);
    const skip = { uniqueOpts: { byArgs: ['userId'] as const } };
    const results = await client.insertMany(t.db, [
      { job: digest, args: { userId: 22, change: 'b' }, opts: skip },
      { job: digest, args: { userId: 22, change: 'c' } },
      { job: digest, args: { userId: 23, change: 'b' } },
    ]);
    expect(results.map((r) => [r.uniqueSkippedAsDuplicate, r.uniqueReplaced])).toEqual([[true, false], [false, true], [true, false]]);
    expect(results[1].job).toMatchObject({ id: waiting.job.id, args: { change: 'c' } });
    expect(await stored(waiting.job.id)).toMatchObject({ args: { change: 'c' }, state: 'available' });
    expect(await stored(running.job.id)).toMatchObject({ args: { change: 'a' }, state: 'running' });
  });

  test('a pending item is never replaced by a later one in its batch', async () => {
    const skip = { uniqueOpts: { byArgs: ['userId'] as const }, pending: true };
    const results = await client.insertMany(t.db, [
      { job: digest, args: { userId: 24, change: 'a' }, opts: skip },
      { job: digest, args: { userId: 24, change: 'b' } },
    ]);
    expect(results.map((r) => [r.uniqueSkippedAsDuplicate, r.uniqueReplaced])).toEqual([[false, false], [true, false]]);
    expect(await stored(results[0].job.id)).toMatchObject({ args: { change: 'a' }, state: 'pending' });
  });
});

describe('onConflict: replace across transactions', () => {
  test('two transactions insert one key: one inserts, the other replaces after it commits; one job, the later args', async () => {
    const a = await t.pool.connect();
    const b = await t.pool.connect();
    try {
      await a.query('BEGIN');
      const first = await client.insert(drizzle(a), digest, { userId: 30, change: 'a' });
      await b.query('BEGIN');
      // b's insert waits on a's uncommitted row with the same key.
      let settled = false;
      const second = client.insert(drizzle(b), digest, { userId: 30, change: 'b' }).finally(() => (settled = true));
      // Let b reach the lock, without depending on how long that takes: a commits either way,
      // and b must not have finished while a's row was uncommitted.
      await waitForLockWait(Number((await b.query('SELECT pg_backend_pid() AS pid')).rows[0].pid));
      expect(settled).toBe(false);
      await a.query('COMMIT');
      const replaced = await second;
      await b.query('COMMIT');
      expect(first).toMatchObject({ uniqueSkippedAsDuplicate: false, uniqueReplaced: false });
      expect(replaced).toMatchObject({ uniqueSkippedAsDuplicate: false, uniqueReplaced: true, job: { id: first.job.id, args: { change: 'b' } } });
      expect(await countOf(30)).toBe(1);
      expect(await stored(first.job.id)).toMatchObject({ args: { change: 'b' }, state: 'available' });
    } finally {
      a.release();
      b.release();
    }
  });
});

describe('onConflict: replace against a fetch', () => {
  test('a job a worker is fetching (locked, made running) is not replaced once the fetch commits', async () => {
    const first = await client.insert(t.db, digest, { userId: 31, change: 'a' });
    const fetcher = await t.pool.connect();
    try {
      await fetcher.query('BEGIN');
      await fetcher.query(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() WHERE id = $1`, [first.job.id]);
      const inserter = await t.pool.connect();
      try {
        const pid = Number((await inserter.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
        const second = client.insert(drizzle(inserter), digest, { userId: 31, change: 'b' }, { scheduledAt: inMinutes(5) });
        await waitForLockWait(pid);
        await fetcher.query('COMMIT');
        expect(await second).toMatchObject({ uniqueSkippedAsDuplicate: true, uniqueReplaced: false, job: { id: first.job.id, state: 'running', args: { change: 'a' } } });
      } finally {
        inserter.release();
      }
      expect(await stored(first.job.id)).toMatchObject({ state: 'running', args: { change: 'a' } });
    } finally {
      fetcher.release();
    }
  });
});

describe('onConflict validation', () => {
  const plain = defineJob({ kind: 'replace_plain', args: v.object({ userId: v.number() }) });
  const jobCount = async () => Number((await t.query(`SELECT count(*) AS n FROM river_job`))[0]!.n);

  /** The message of the ValidationError `fn` throws; checks nothing was written. */
  async function rejection(fn: () => unknown): Promise<string> {
    const before = await jobCount();
    let error: unknown;
    try {
      await fn();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(await jobCount()).toBe(before);
    return (error as Error).message;
  }

  test.each([
    [{ byArgs: true, onConflict: 'update' }, `insert "replace_plain": opts.uniqueOpts.onConflict: must be 'skip' or 'replace', got "update"`],
    [{ byArgs: true, onConflict: true }, `insert "replace_plain": opts.uniqueOpts.onConflict: must be 'skip' or 'replace', got true`],
    [{ onConflict: 'replace' }, `insert "replace_plain": opts.uniqueOpts.onConflict: 'replace' needs a unique key: set byArgs, byPeriod, byQueue or byState`],
    [{ byArgs: true, excludeKind: true, onConflict: 'replace' }, `insert "replace_plain": opts.uniqueOpts.onConflict: 'replace' cannot be combined with excludeKind: it would put this job's args into a job of another kind`],
    [{ byArgs: true, onConflikt: 'replace' }, `insert "replace_plain": opts.uniqueOpts.onConflikt: is not a unique option; did you mean "onConflict"?`],
  ])('uniqueOpts %j is refused, naming the field', async (uniqueOpts, message) => {
    expect(await rejection(() => client.insert(t.db, plain, { userId: 1 }, { uniqueOpts } as never))).toBe(message);
  });

  test('a pending insert cannot replace, whichever layers set the two', async () => {
    const replace = { byArgs: true, onConflict: 'replace' } as const;
    const pendingReplace = "'replace' cannot be combined with pending: true: a replace only ever makes a job available or scheduled, and never replaces a pending one";
    expect(await rejection(() => client.insert(t.db, plain, { userId: 1 }, { pending: true, uniqueOpts: replace }))).toBe(
      `insert "replace_plain": opts.uniqueOpts.onConflict: ${pendingReplace}`,
    );
    expect(() => defineJob({ kind: 'replace_pending', args: v.object({}), insertOpts: { pending: true, uniqueOpts: replace } })).toThrow(
      `defineJob("replace_pending"): insertOpts.uniqueOpts.onConflict: ${pendingReplace}`,
    );
    // Each layer valid on its own: the client's pending, the job's replace.
    const pendingClient = new Client({ insertOpts: { pending: true } });
    const replacing = defineJob({ kind: 'replace_layers', args: v.object({ userId: v.number() }), insertOpts: { uniqueOpts: replace } });
    expect(await rejection(() => pendingClient.insert(t.db, replacing, { userId: 1 }))).toBe(`insert "replace_layers": uniqueOpts.onConflict: ${pendingReplace}`);
    expect(await rejection(() => pendingClient.insertMany(t.db, [{ job: plain, args: { userId: 1 } }, { job: replacing, args: { userId: 1 } }]))).toBe(
      `insertMany items[1] ("replace_layers"): uniqueOpts.onConflict: ${pendingReplace}`,
    );
  });

  test('the job definition and the client check onConflict too', () => {
    expect(() => defineJob({ kind: 'replace_bad', args: v.object({}), insertOpts: { uniqueOpts: { byQueue: true, onConflict: 'merge' as never } } })).toThrow(
      `defineJob("replace_bad"): insertOpts.uniqueOpts.onConflict: must be 'skip' or 'replace', got "merge"`,
    );
    expect(() => new Client({ insertOpts: { uniqueOpts: { onConflict: 'replace' } } })).toThrow(
      `new Client(): insertOpts.uniqueOpts.onConflict: 'replace' needs a unique key: set byArgs, byPeriod, byQueue or byState`,
    );
  });
});

/** Waits until the backend `pid` waits on a lock. */
async function waitForLockWait(pid: number): Promise<void> {
  await waitFor(async () => (await t.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [pid])).length > 0, {
    timeoutMs: 20_000,
    message: 'the second insert never waited on the first one',
  });
}
