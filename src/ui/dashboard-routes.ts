import { Hono } from 'hono';
import type { Client } from '../client.js';
import { adminQuery, type AdminContext } from '../admin/admin-context.js';
import { ValidationError } from '../errors.js';
import { queueSampleQueues, queueSampleSeries } from '../sql/queue-sample.js';

/** The dashboard's ranges, in minutes: one point per minute. */
export const DASHBOARD_RANGES = { hour: 60, day: 1440 } as const;

/** The series of one range, each aligned with `at`: what the page's charts draw. */
export interface DashboardSeries {
  /** The start of each minute, epoch seconds, oldest first; the last is the current minute. */
  at: number[];
  completed: number[];
  /** Attempts that errored, retried or not. */
  failed: number[];
  discarded: number[];
  /** Depth at the minute's sample, or null for a minute no leader sampled. */
  available: (number | null)[];
  scheduled: (number | null)[];
  running: (number | null)[];
  retryable: (number | null)[];
}

const FIELDS = ['at', 'completed', 'failed', 'discarded', 'available', 'scheduled', 'running', 'retryable'] as const;

/** GET /dashboard?range=hour|day[&queue=name]: throughput and depth per minute, from `tributary_queue_sample`. */
export function dashboardRoutes(client: Client): Hono {
  const { pool, schema } = client.config;
  const ctx: AdminContext = { pool: pool!, schema, method: 'UI' };
  const api = new Hono();
  api.get('/dashboard', async (c) => {
    const { range = 'hour', queue } = c.req.query();
    const issues = [];
    if (!Object.hasOwn(DASHBOARD_RANGES, range)) issues.push({ path: 'range', message: `must be hour or day, got ${JSON.stringify(range)}` });
    if (queue !== undefined && !(queue.length > 0 && queue.length < 128)) issues.push({ path: 'queue', message: 'must be a queue name of 1 to 127 characters' });
    if (issues.length > 0) throw new ValidationError('dashboard', issues);
    const minutes = DASHBOARD_RANGES[range as keyof typeof DASHBOARD_RANGES];
    const [rows, queues] = await Promise.all([
      adminQuery(ctx, queueSampleSeries({ schema, minutes, queue })),
      adminQuery(ctx, queueSampleQueues({ schema, minutes })),
    ]);
    // Columns, not rows: the charts take one array per series, and 1,440 rows of eight named fields would be most of the response.
    const series = Object.fromEntries(FIELDS.map((field) => [field, rows.map((row: Record<string, number | null>) => row[field])])) as unknown as DashboardSeries;
    return c.json({ range, queue: queue ?? null, queues: queues.map((row: { queue: string }) => row.queue), series });
  });
  return api;
}
