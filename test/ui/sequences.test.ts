import { expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { createUiHandler } from '../../src/ui/index.js';
import { accountStep } from '../sequences/sequence-jobs.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const client = new Client({ pool: t.pool });
const ORIGIN = 'http://tributary.test';
const key = 'kind=account_step&args={"accountId":5}';

test('the UI lists sequences with their position and halts, and resumes a halted one', async () => {
  const handler = createUiHandler(client);
  const get = async (path: string): Promise<any> => (await handler(new Request(`${ORIGIN}${path}`))).json();
  const post = (path: string, body: unknown, readOnly = false) =>
    createUiHandler(client, { readOnly })(new Request(`${ORIGIN}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: ORIGIN, 'sec-fetch-site': 'same-origin' }, body: JSON.stringify(body),
    }));
  const [first, second] = await client.insertMany(t.db, [0, 1].map((n) => ({ job: accountStep, args: { accountId: 5, n } })));
  await t.query(`UPDATE river_job SET state = 'cancelled', attempt = 1, finalized_at = now() WHERE id = $1`, [first!.job.id]);

  expect((await get('/api/sequences?halted=true')).sequences).toEqual([
    { key, kind: 'account_step', status: 'halted', current: null, haltedBy: { id: first!.job.id, state: 'cancelled' }, pending: 1, nextId: second!.job.id },
  ]);
  expect(await (await handler(new Request(`${ORIGIN}/`))).text()).toContain('href="#/sequences"');
  expect((await post('/api/sequences/resume', { key }, true)).status).toBe(403);
  expect((await post('/api/sequences/resume', {})).status).toBe(400);
  const resumed = await post('/api/sequences/resume', { key });
  expect(resumed.status).toBe(200);
  expect(((await resumed.json()) as { skipped: number[] }).skipped).toEqual([first!.job.id]);
  expect((await get('/api/sequences')).sequences).toEqual([expect.objectContaining({ key, status: 'running', current: { id: second!.job.id, state: 'available' }, pending: 0 })]);
});

test('GET /api/sequence: one sequence\'s jobs in run order; a missing, malformed or unknown key is a clear error', async () => {
  const handler = createUiHandler(client);
  const get = (path: string) => handler(new Request(`${ORIGIN}${path}`));
  const other = 'kind=account_step&args={"accountId":6}';
  const [first, second] = await client.insertMany(t.db, [0, 1].map((n) => ({ job: accountStep, args: { accountId: 6, n } })));
  await t.query(`UPDATE river_job SET state = 'discarded', attempt = 1, finalized_at = now() WHERE id = $1`, [first!.job.id]);
  const response = await get(`/api/sequence?${new URLSearchParams({ key: other })}`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { sequence: { status: string }; jobs: { id: number; role: string }[] };
  expect(body.sequence.status).toBe('halted');
  expect(body.jobs.map((j) => [j.id, j.role])).toEqual([[first!.job.id, 'halting'], [second!.job.id, 'waiting']]);

  const missing = await get('/api/sequence');
  expect([missing.status, await missing.json()]).toEqual([400, { error: 'key: must be a sequence key' }]);
  const malformed = await get('/api/sequence?key=account_step');
  expect(malformed.status).toBe(400);
  expect(((await malformed.json()) as { error: string }).error).toMatch(/sequenceJobs: key: must be a sequence key/);
  const unknown = await get(`/api/sequence?${new URLSearchParams({ key: 'kind=nothing_here' })}`);
  expect(unknown.status).toBe(404);
});
