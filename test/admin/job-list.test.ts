import { beforeAll, describe, expect, test } from 'vitest';
import { Client, type JobListParams, type JobRow } from '../../src/index.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { insertRow, type RowFields } from './job-rows.js';

const t = await createTestDatabase();
const client = new Client({ pool: t.pool, logger: quietLogger });

// Finalized at the same microsecond-precise instant, so paging by time must break ties by id
// without losing the microseconds (a JS Date would).
const TIE = '2024-03-01T10:00:00.123456Z';
const rows: (RowFields & { id?: number })[] = [
  { kind: 'email', queue: 'mail', state: 'available', priority: 1, tags: ['a', 'b'], metadata: { tenant: 1 } },
  { kind: 'email', queue: 'mail', state: 'completed', priority: 2, tags: ['a'], metadata: { tenant: 2 }, finalizedAt: TIE },
  { kind: 'report', queue: 'reports', state: 'completed', priority: 3, tags: ['b'], metadata: { tenant: 1, big: true }, finalizedAt: '2024-03-01T09:00:00Z' },
  { kind: 'email', queue: 'reports', state: 'completed', priority: 1, metadata: { tenant: 1 }, finalizedAt: TIE },
  { kind: 'report', queue: 'mail', state: 'discarded', priority: 4, tags: ['a', 'b', 'c'], finalizedAt: '2024-03-01T11:00:00Z' },
  { kind: 'email', queue: 'mail', state: 'scheduled', priority: 2, scheduledAt: '2999-01-01T00:00:00Z' },
  { kind: 'report', queue: 'reports', state: 'completed', priority: 2, finalizedAt: TIE },
  { kind: 'email', queue: 'mail', state: 'running', priority: 1, attemptedAt: '2024-03-01T08:00:00Z', attempt: 1 },
];

beforeAll(async () => {
  for (const row of rows) row.id = await insertRow(t, row);
});

const ids = (jobs: JobRow[]) => jobs.map((j) => j.id);
const idsWhere = (match: (r: RowFields) => boolean) => rows.filter(match).map((r) => r.id!);

/** Reads every page with `limit`, checking each page's size. */
async function allPages(params: JobListParams, limit: number) {
  const pages: number[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const { jobs, nextCursor } = await client.jobList({ ...params, limit, cursor });
    pages.push(ids(jobs));
    if (!nextCursor) return pages;
    expect(jobs).toHaveLength(limit);
    cursor = nextCursor;
  }
}

describe('jobList', () => {
  test('defaults: every job by id ascending, with full rows, and no next page', async () => {
    const { jobs, nextCursor } = await client.jobList();
    expect(ids(jobs)).toEqual(rows.map((r) => r.id));
    expect(nextCursor).toBeNull();
    expect(jobs[0]).toMatchObject({ kind: 'email', queue: 'mail', tags: ['a', 'b'], metadata: { tenant: 1 }, state: 'available' });
  });

  test.each<[string, JobListParams, (r: RowFields) => boolean]>([
    ['states', { states: ['completed', 'discarded'] }, (r) => r.state === 'completed' || r.state === 'discarded'],
    ['kinds', { kinds: ['report'] }, (r) => r.kind === 'report'],
    ['queues', { queues: ['reports'] }, (r) => r.queue === 'reports'],
    ['priorities', { priorities: [1, 4] }, (r) => r.priority === 1 || r.priority === 4],
    ['tags (all of them)', { tags: ['a', 'b'] }, (r) => ['a', 'b'].every((tag) => r.tags?.includes(tag))],
    ['metadata containment', { metadata: { tenant: 1 } }, (r) => (r.metadata as { tenant?: number })?.tenant === 1],
    ['combined', { kinds: ['email'], queues: ['mail'], states: ['available', 'completed', 'running'], priorities: [1, 2] },
      (r) => r.kind === 'email' && r.queue === 'mail' && ['available', 'completed', 'running'].includes(r.state!) && [1, 2].includes(r.priority!)],
    ['empty lists do not filter', { states: [], kinds: [], tags: [] }, () => true],
  ])('filters by %s', async (_name, params, match) => {
    expect(ids((await client.jobList(params)).jobs)).toEqual(idsWhere(match));
  });

  test('filters by ids, combined with others', async () => {
    const [a, b, c] = rows.map((r) => r.id!);
    expect(ids((await client.jobList({ ids: [c!, a!, b!] })).jobs)).toEqual([a, b, c]);
    expect(ids((await client.jobList({ ids: [a!, b!, c!], kinds: ['report'] })).jobs)).toEqual([c]);
    expect((await client.jobList({ ids: [999_999] })).jobs).toEqual([]);
  });

  test('pages by id in both directions: every job once, in order, then a null cursor', async () => {
    const all = rows.map((r) => r.id!);
    const up = await allPages({}, 3);
    expect(up.map((p) => p.length)).toEqual([3, 3, 2]);
    expect(up.flat()).toEqual(all);
    expect((await allPages({ order: 'desc' }, 2)).flat()).toEqual([...all].reverse());
    // Exactly one full page: no empty page after it.
    expect(await allPages({}, all.length)).toEqual([all]);
  });

  test("orders by the state's time, then id, and pages through ties to the microsecond", async () => {
    const finalized = rows.filter((r) => ['completed', 'discarded', 'cancelled'].includes(r.state!));
    const expected = [...finalized]
      .sort((x, y) => x.finalizedAt!.localeCompare(y.finalizedAt!) || x.id! - y.id!)
      .map((r) => r.id!);
    const params: JobListParams = { states: ['completed', 'discarded'], orderBy: 'time' };
    expect(ids((await client.jobList(params)).jobs)).toEqual(expected);
    expect((await allPages(params, 1)).flat()).toEqual(expected);
    expect((await allPages({ ...params, order: 'desc' }, 2)).flat()).toEqual([...expected].reverse());
  });

  test("'time' for running jobs is attempted_at, for waiting ones scheduled_at", async () => {
    const { jobs } = await client.jobList({ states: ['available', 'scheduled'], orderBy: 'time', order: 'desc' });
    expect(jobs.map((j) => j.state)).toEqual(['scheduled', 'available']);
    const running = await client.jobList({ states: ['running'], orderBy: 'time' });
    expect(running.jobs.map((j) => j.attemptedAt)).toEqual([new Date('2024-03-01T08:00:00Z')]);
  });

  test('a cursor is opaque and only good for the order it was made in', async () => {
    const { nextCursor } = await client.jobList({ limit: 2 });
    expect(nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    await expect(client.jobList({ cursor: nextCursor!, order: 'desc' })).rejects.toThrow(
      'jobList: cursor: was made for order id asc, not id desc: start again without a cursor',
    );
    await expect(client.jobList({ cursor: nextCursor!, states: ['completed'], orderBy: 'time' })).rejects.toThrow(/cursor: was made for order id asc, not finalized_at asc/);
  });
});
