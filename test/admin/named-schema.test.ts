import { expect, test } from 'vitest';
import { Client, migrate } from '../../src/index.js';
import { listen } from '../support/notifications.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();

test('every administration call works on tables in a named schema, notifying on its channels', async () => {
  await migrate({ pool: t.pool, schema: 'admin_here' });
  const client = new Client({ pool: t.pool, schema: 'admin_here', logger: quietLogger });
  const [{ id }] = (await t.query(`INSERT INTO admin_here.river_job (kind, args, state, attempt) VALUES ('x', '{}', 'running', 1) RETURNING id::int`)) as [{ id: number }];
  await t.query(`INSERT INTO admin_here.river_queue (name, updated_at) VALUES ('default', now())`);
  const control = await listen(t.url, 'admin_here.river_control');

  expect((await client.jobGet(id))?.kind).toBe('x');
  expect((await client.jobList({ states: ['running'] })).jobs.map((j) => j.id)).toEqual([id]);
  expect((await client.jobCancel(id)).metadata.cancel_attempted_at).toBeTypeOf('string');
  await client.queuePause('default');
  expect((await client.queueGet('default'))?.pausedAt).toBeInstanceOf(Date);
  expect(await client.queueStats()).toMatchObject([{ queue: 'default', paused: true, running: 1 }]);
  await control.flush();
  expect(control.payloads.map((p) => JSON.parse(p))).toEqual([{ action: 'cancel', job_id: id, queue: 'default' }, { action: 'pause', queue: 'default' }]);
  await control.close();

  await t.query(`UPDATE admin_here.river_job SET state = 'discarded', finalized_at = now() WHERE id = $1`, [id]);
  expect((await client.jobRetry(id)).state).toBe('available');
  expect((await client.jobDelete(id)).id).toBe(id);
  // The public schema's tables were never touched.
  expect(await t.query('SELECT count(*)::int AS n FROM public.river_job')).toEqual([{ n: 0 }]);
});
