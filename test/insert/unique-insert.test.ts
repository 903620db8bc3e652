import * as v from 'valibot';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Client, defineJob } from '../../src/index.js';
import { sendEmail } from '../support/jobs.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const client = new Client();
const report = defineJob({
  kind: 'build_report',
  args: v.object({ accountId: v.number() }),
  insertOpts: { uniqueOpts: { byArgs: true } },
});

const count = async (kind: string) => Number((await t.query(`SELECT count(*) AS n FROM river_job WHERE kind = $1`, [kind]))[0]?.n);

afterEach(() => vi.useRealTimers());

describe('unique jobs', () => {
  test('a duplicate returns the existing job, flagged, and writes nothing', async () => {
    const first = await client.insert(t.db, report, { accountId: 1 });
    const second = await client.insert(t.db, report, { accountId: 1 });
    expect(first.uniqueSkippedAsDuplicate).toBe(false);
    expect(second.uniqueSkippedAsDuplicate).toBe(true);
    expect(second.job.id).toBe(first.job.id);
    expect(second.job.uniqueKey).toEqual(first.job.uniqueKey);
    expect(first.job.uniqueStates).toEqual(['available', 'completed', 'pending', 'retryable', 'running', 'scheduled']);
    const [row] = await t.query(`SELECT unique_states::text AS bits FROM river_job WHERE id = $1`, [first.job.id]);
    expect(row?.bits).toBe('11110101');
    // Different args: a different job.
    const other = await client.insert(t.db, report, { accountId: 2 });
    expect(other.uniqueSkippedAsDuplicate).toBe(false);
    expect(await count('build_report')).toBe(2);
  });

  test('byQueue tells queues apart', async () => {
    const opts = { uniqueOpts: { byQueue: true } };
    const a = await client.insert(t.db, sendEmail, { to: 'q@example.com', subject: 'x' }, { ...opts, queue: 'qa' });
    const b = await client.insert(t.db, sendEmail, { to: 'q@example.com', subject: 'y' }, { ...opts, queue: 'qb' });
    const c = await client.insert(t.db, sendEmail, { to: 'q@example.com', subject: 'z' }, { ...opts, queue: 'qa' });
    expect([a.uniqueSkippedAsDuplicate, b.uniqueSkippedAsDuplicate, c.uniqueSkippedAsDuplicate]).toEqual([false, false, true]);
    expect(c.job.id).toBe(a.job.id);
  });

  test('byPeriod allows one job per period', async () => {
    const job = defineJob({ kind: 'hourly_digest', args: v.object({}), insertOpts: { uniqueOpts: { byPeriod: 3_600_000 } } });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T10:05:00Z'));
    const a = await client.insert(t.db, job, {});
    vi.setSystemTime(new Date('2030-01-01T10:55:00Z'));
    const b = await client.insert(t.db, job, {});
    vi.setSystemTime(new Date('2030-01-01T11:00:00Z'));
    const c = await client.insert(t.db, job, {});
    expect(b.uniqueSkippedAsDuplicate).toBe(true);
    expect(b.job.id).toBe(a.job.id);
    expect(c.uniqueSkippedAsDuplicate).toBe(false);
  });

  test('byState decides which existing jobs block: completed blocks by default, cancelled does not', async () => {
    const a = await client.insert(t.db, report, { accountId: 10 });
    await t.query(`UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, [a.job.id]);
    expect((await client.insert(t.db, report, { accountId: 10 })).uniqueSkippedAsDuplicate).toBe(true);

    const notCompleted = { uniqueOpts: { byArgs: true, byState: ['available', 'pending', 'running', 'scheduled', 'retryable'] as const } };
    const b = await client.insert(t.db, report, { accountId: 11 }, notCompleted);
    await t.query(`UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, [b.job.id]);
    const c = await client.insert(t.db, report, { accountId: 11 }, notCompleted);
    expect(c.uniqueSkippedAsDuplicate).toBe(false);
    expect(c.job.id).not.toBe(b.job.id);

    const d = await client.insert(t.db, report, { accountId: 12 });
    await t.query(`UPDATE river_job SET state = 'cancelled', finalized_at = now() WHERE id = $1`, [d.job.id]);
    expect((await client.insert(t.db, report, { accountId: 12 })).uniqueSkippedAsDuplicate).toBe(false);
  });

  test('duplicates inside one insertMany map to the first, in one statement', async () => {
    const results = await client.insertMany(t.db, [
      { job: report, args: { accountId: 20 } },
      { job: report, args: { accountId: 21 } },
      { job: report, args: { accountId: 20 } },
      { job: sendEmail, args: { to: 'm@example.com', subject: 'plain' } },
    ]);
    expect(results.map((r) => r.uniqueSkippedAsDuplicate)).toEqual([false, false, true, false]);
    expect(results[2].job.id).toBe(results[0].job.id);
    expect(results.map((r) => r.job.args)).toEqual([{ accountId: 20 }, { accountId: 21 }, { accountId: 20 }, { to: 'm@example.com', subject: 'plain' }]);
  });

  test('excludeKind lets kinds collide, and never rewrites the existing job', async () => {
    const shared = { uniqueOpts: { byArgs: true, excludeKind: true } };
    const a = defineJob({ kind: 'kind_a', args: v.object({ id: v.number() }), insertOpts: shared });
    const b = defineJob({ kind: 'kind_b', args: v.object({ id: v.number() }), insertOpts: shared });
    const first = await client.insert(t.db, a, { id: 1 });
    const second = await client.insert(t.db, b, { id: 1 });
    expect(second.uniqueSkippedAsDuplicate).toBe(true);
    expect(second.job.id).toBe(first.job.id);
    expect(second.job.kind).toBe('kind_a');
    expect((await t.query(`SELECT kind FROM river_job WHERE id = $1`, [first.job.id]))[0]?.kind).toBe('kind_a');
  });

  test('uniqueOpts: {} is not unique (River: empty options make no key)', async () => {
    const job = defineJob({ kind: 'not_unique', args: v.object({}) });
    const a = await client.insert(t.db, job, {}, { uniqueOpts: {} });
    const b = await client.insert(t.db, job, {}, { uniqueOpts: {} });
    expect(b.job.id).not.toBe(a.job.id);
    expect(a.job.uniqueKey).toBeNull();
  });
});
