import { Hono } from 'hono';
import type { Client } from '../client.js';
import type { JobListParams } from '../admin/index.js';
import { adminQuery, type AdminContext } from '../admin/admin-context.js';
import { ValidationError } from '../errors.js';
import type { JobRow } from '../job-row.js';
import { describeSchedule, periodicTicks } from '../maintenance/periodic-job.js';
import { JOB_STATES, type JobState } from '../schema/job-state.js';
import { jobCountByState } from '../sql/job-count-by-state.js';
import { queueCountByState } from '../sql/queue-count-by-state.js';
import type { ResolvedUiOptions } from './options.js';
import { dashboardRoutes } from './dashboard-routes.js';
import { sequenceRoutes } from './sequence-routes.js';
import { workflowRoutes } from './workflow-routes.js';

/** Jobs per page in the UI. */
const PAGE_SIZE = 50;
/** Counts above this are estimated, so that counting stays fast on tables of millions. */
const EXACT_COUNT_CAP = 100_000;
/** Per queue and state, counts stop here and show as "10,000+". */
const QUEUE_COUNT_CAP = 10_000;
/** State counts and queue stats are shared by every browser polling within this window. */
const COUNTS_TTL_MS = 1000;
/** Jobs one bulk action may touch. */
const MAX_BULK = 1000;
const FINALIZED: readonly JobState[] = ['completed', 'cancelled', 'discarded'];

/** Caches one async value for `ttl` ms, sharing a load in flight. */
function cached<T>(ttl: number, load: () => Promise<T>): () => Promise<T> {
  let value: { at: number; promise: Promise<T> } | undefined;
  return () => {
    if (!value || Date.now() - value.at > ttl) {
      const promise = load();
      value = { at: Date.now(), promise };
      promise.catch(() => (value = undefined));
    }
    return value.promise;
  };
}

const list = (value: string | undefined) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

/** The JSON API the page calls, over the client's administration methods. */
export function apiRoutes(client: Client, options: ResolvedUiOptions): Hono {
  const { pool, schema } = client.config;
  const ctx: AdminContext = { pool: pool!, schema, method: 'UI' };
  const api = new Hono();
  const present = (job: JobRow<unknown>) => ({ ...job, args: options.hideArgs ? null : job.args, uniqueKey: job.uniqueKey?.toString('hex') ?? null });

  const stateCounts = cached(COUNTS_TTL_MS, async () => {
    const rows = await adminQuery(ctx, jobCountByState({ schema, cap: EXACT_COUNT_CAP }));
    return rows.map((r: { state: string; count: number; capped: boolean; estimate: string }) => ({
      state: r.state,
      count: r.capped ? Number(r.estimate) : r.count,
      atLeast: r.capped,
    }));
  });
  const queueCounts = cached(COUNTS_TTL_MS, async () => {
    const byQueue = new Map<string, { counts: Record<string, number>; capped: string[] }>();
    for (const row of (await adminQuery(ctx, queueCountByState({ schema, cap: QUEUE_COUNT_CAP }))) as { queue: string; state: string; count: number; capped: boolean }[]) {
      let entry = byQueue.get(row.queue);
      if (!entry) byQueue.set(row.queue, (entry = { counts: {}, capped: [] }));
      entry.counts[row.state] = row.count;
      if (row.capped) entry.capped.push(row.state);
    }
    return byQueue;
  });

  api.get('/settings', (c) => c.json({ readOnly: options.readOnly, hideArgs: options.hideArgs }));
  api.get('/states', async (c) => c.json({ states: await stateCounts() }));

  api.get('/jobs', async (c) => {
    const q = c.req.query();
    const state = (q.state ?? 'available') as JobState;
    if (!JOB_STATES.includes(state)) throw new ValidationError('jobs', [{ path: 'state', message: `must be one of ${JOB_STATES.join(', ')}` }]);
    const ids = list(q.id)?.map(Number);
    const params: JobListParams = {
      states: [state],
      kinds: list(q.kind),
      queues: list(q.queue),
      priorities: list(q.priority)?.map(Number) as JobListParams['priorities'],
      tags: list(q.tag),
      ids,
      orderBy: 'time',
      // Finished jobs newest first; the others in the order they run.
      order: FINALIZED.includes(state) ? 'desc' : 'asc',
      limit: PAGE_SIZE,
      cursor: q.cursor || undefined,
    };
    const { jobs, nextCursor } = await client.jobList(params);
    return c.json({ jobs: jobs.map(present), nextCursor: nextCursor ?? null });
  });

  api.get('/jobs/:id{[0-9]+}', async (c) => {
    const job = await client.jobGet(Number(c.req.param('id')));
    return job ? c.json({ job: present(job) }) : c.json({ error: `job ${c.req.param('id')} not found` }, 404);
  });

  api.post('/jobs/:action{retry|cancel|delete}', async (c) => {
    const body = await c.req.json().catch(() => undefined);
    const ids = body?.ids;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_BULK || !ids.every((id) => Number.isSafeInteger(id) && id > 0)) {
      return c.json({ error: `ids: must be an array of 1 to ${MAX_BULK} job ids` }, 400);
    }
    const action = c.req.param('action') as 'retry' | 'cancel' | 'delete';
    const run = { retry: (id: number) => client.jobRetry(id), cancel: (id: number) => client.jobCancel(id), delete: (id: number) => client.jobDelete(id) }[action];
    const results = [];
    // One by one: each job's own error (running, not found) is reported without failing the rest.
    for (const id of ids as number[]) {
      try {
        await run(id);
        results.push({ id, ok: true });
      } catch (error) {
        results.push({ id, ok: false, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return c.json({ results });
  });

  api.get('/queues', async (c) => {
    const [rows, counts] = await Promise.all([client.queueList({ limit: 10_000 }), queueCounts()]);
    const queues = rows.map((row) => ({
      name: row.name,
      pausedAt: row.pausedAt,
      updatedAt: row.updatedAt,
      counts: counts.get(row.name)?.counts ?? {},
      atLeast: counts.get(row.name)?.capped ?? [],
    }));
    return c.json({ queues });
  });

  api.get('/queue-limits', async (c) => c.json({ queues: await client.queueLimits() }));

  api.post('/queues/:action{pause|resume}', async (c) => {
    const body = await c.req.json().catch(() => undefined);
    if (typeof body?.queue !== 'string') return c.json({ error: 'queue: must be a queue name' }, 400);
    await (c.req.param('action') === 'pause' ? client.queuePause(body.queue) : client.queueResume(body.queue));
    return c.json({ ok: true });
  });

  api.get('/periodic-jobs', (c) => {
    const now = new Date();
    const periodicJobs = client.config.periodicJobs.map((job) => ({
      id: job.id ?? '(derived from its kind)',
      schedule: describeSchedule(job),
      runOnStart: job.runOnStart,
      nextRunAt: periodicTicks(job).next(now).toISOString(),
    }));
    return c.json({ periodicJobs });
  });

  api.route('/', sequenceRoutes(client));
  api.route('/', dashboardRoutes(client));
  api.route('/', workflowRoutes(client));
  return api;
}
