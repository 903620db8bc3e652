import { Hono } from 'hono';
import type { Client } from '../client.js';

/** Sequences per page in the UI. */
const PAGE_SIZE = 100;
/** A sequence's page: at most this many jobs of each role (done, ended, current, waiting). */
const JOBS_PER_ROLE = 50;

/** The UI's sequence routes: where each sequence stands, one sequence's jobs, and resuming a halted one. */
export function sequenceRoutes(client: Client): Hono {
  const api = new Hono();
  api.get('/sequences', async (c) => {
    const q = c.req.query();
    const sequences = await client.sequenceList({ halted: q.halted === 'true' ? true : undefined, after: q.after || undefined, limit: PAGE_SIZE });
    return c.json({ sequences, nextAfter: sequences.length === PAGE_SIZE ? sequences.at(-1)!.key : null });
  });
  // The key as a query parameter: it holds '/', '&' and JSON, which a path segment would mangle.
  api.get('/sequence', async (c) => {
    const key = c.req.query('key');
    if (!key) return c.json({ error: 'key: must be a sequence key' }, 400);
    const { sequence, jobs } = await client.sequenceJobs(key, { limit: JOBS_PER_ROLE });
    if (!sequence && jobs.length === 0) return c.json({ error: `no job of sequence ${key} is waiting, running, halting it or recently done` }, 404);
    return c.json({ sequence: sequence ?? null, jobs, perRole: JOBS_PER_ROLE });
  });
  api.post('/sequences/resume', async (c) => {
    const body = await c.req.json().catch(() => undefined);
    if (typeof body?.key !== 'string') return c.json({ error: 'key: must be a sequence key' }, 400);
    return c.json(await client.sequenceResume(body.key));
  });
  return api;
}
