import { Hono } from 'hono';
import type { Client } from '../client.js';

/** Sequences per page in the UI. */
const PAGE_SIZE = 100;

/** The UI's sequence routes: where each sequence stands, and resuming a halted one. */
export function sequenceRoutes(client: Client): Hono {
  const api = new Hono();
  api.get('/sequences', async (c) => {
    const q = c.req.query();
    const sequences = await client.sequenceList({ halted: q.halted === 'true' ? true : undefined, after: q.after || undefined, limit: PAGE_SIZE });
    return c.json({ sequences, nextAfter: sequences.length === PAGE_SIZE ? sequences.at(-1)!.key : null });
  });
  api.post('/sequences/resume', async (c) => {
    const body = await c.req.json().catch(() => undefined);
    if (typeof body?.key !== 'string') return c.json({ error: 'key: must be a sequence key' }, 400);
    return c.json(await client.sequenceResume(body.key));
  });
  return api;
}
