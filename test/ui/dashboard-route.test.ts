import { beforeEach, describe, expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { createUiHandler } from '../../src/ui/index.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const client = new Client({ pool: t.pool });
const handler = createUiHandler(client);
const get = async (path: string) => {
  const response = await handler(new Request(`http://tributary.test${path}`));
  return { status: response.status, body: (await response.json()) as any };
};

beforeEach(async () => {
  await t.query('DELETE FROM tributary_queue_sample');
});

/** Adds a sample `minutesAgo` minutes before the current one. */
async function sample(queue: string, minutesAgo: number, values: Record<string, number>): Promise<void> {
  const columns = Object.keys(values);
  await t.query(
    `INSERT INTO tributary_queue_sample (queue, at, ${columns.join(', ')}) VALUES ($1, date_trunc('minute', now()) - make_interval(mins => $2), ${columns.map((_, i) => `$${i + 3}`).join(', ')})`,
    [queue, minutesAgo, ...Object.values(values)],
  );
}

describe('GET /api/dashboard', () => {
  test('on an empty database: one point per minute of the last hour, no throughput, depth unknown (null)', async () => {
    const { status, body } = await get('/api/dashboard?range=hour');
    expect(status).toBe(200);
    expect(body).toMatchObject({ range: 'hour', queue: null, queues: [] });
    const { series } = body;
    expect(series.at).toHaveLength(60);
    expect(series.at[1] - series.at[0]).toBe(60);
    expect(Math.abs(series.at[59] * 1000 - Date.now())).toBeLessThan(61_000);
    expect(new Set(series.completed)).toEqual(new Set([0]));
    expect(new Set(series.available)).toEqual(new Set([null]));
    // Every series lines up with `at`.
    for (const name of ['completed', 'failed', 'discarded', 'available', 'scheduled', 'running', 'retryable']) expect(series[name], name).toHaveLength(60);
  });

  test('sums all queues, or shows one; the day range has 1,440 minutes', async () => {
    await sample('mail', 0, { completed: 5, failed: 2, discarded: 1, available: 10, scheduled: 0, running: 3, retryable: 1 });
    await sample('billing', 0, { completed: 1, available: 4, scheduled: 2, running: 0, retryable: 0 });
    await sample('mail', 30, { completed: 7 });
    await sample('mail', 120, { completed: 100 });

    const all = (await get('/api/dashboard')).body;
    expect(all.range).toBe('hour');
    expect(all.queues).toEqual(['billing', 'mail']);
    expect(all.series.completed.at(-1)).toBe(6);
    expect(all.series.available.at(-1)).toBe(14);
    expect(all.series.completed.at(-31)).toBe(7);
    // Throughput counted without a depth sample that minute: depth stays unknown, not zero.
    expect(all.series.available.at(-31)).toBeNull();
    expect(all.series.completed.reduce((a: number, b: number) => a + b, 0)).toBe(13);

    const mail = (await get('/api/dashboard?range=hour&queue=mail')).body;
    expect(mail.queue).toBe('mail');
    expect(mail.series.completed.at(-1)).toBe(5);
    expect(mail.series.failed.at(-1)).toBe(2);
    expect(mail.series.discarded.at(-1)).toBe(1);
    expect(mail.series.running.at(-1)).toBe(3);

    const day = (await get('/api/dashboard?range=day&queue=mail')).body;
    expect(day.series.at).toHaveLength(1440);
    expect(day.series.completed.reduce((a: number, b: number) => a + b, 0)).toBe(112);

    const unknown = (await get('/api/dashboard?queue=nobody')).body;
    expect(unknown.series.completed.every((n: number) => n === 0)).toBe(true);
  });

  test.each([
    ['range=week', 'dashboard: range: must be hour or day, got "week"'],
    ['range=', 'dashboard: range: must be hour or day, got ""'],
    ['queue=', 'dashboard: queue: must be a queue name of 1 to 127 characters'],
    [`queue=${'q'.repeat(128)}`, 'dashboard: queue: must be a queue name of 1 to 127 characters'],
    ['range=year&queue=', 'dashboard: range: must be hour or day, got "year"; queue: must be a queue name of 1 to 127 characters'],
  ])('refuses %s with a 400 naming the field', async (query, error) => {
    expect(await get(`/api/dashboard?${query}`)).toEqual({ status: 400, body: { error } });
  });

  test("uPlot's stylesheet and the charts' colours are in /assets/app.css, the one stylesheet the CSP allows", async () => {
    const css = await (await handler(new Request('http://tributary.test/assets/app.css'))).text();
    expect(css).toContain('.uplot');
    expect(css).toContain('.u-over');
    for (const name of ['completed', 'failed', 'discarded', 'available', 'scheduled', 'running', 'retryable']) expect(css).toContain(`--chart-${name}:`);
  });

  test('without the samples table, a 503 that says what is missing', async () => {
    const bare = await createTestDatabase();
    await bare.query('DROP TABLE tributary_queue_sample');
    const response = await createUiHandler(new Client({ pool: bare.pool, logger: quietLogger }))(new Request('http://tributary.test/api/dashboard'));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toContain('tributary_queue_sample');
  });
});
