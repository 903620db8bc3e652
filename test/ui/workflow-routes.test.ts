import { describe, expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { createUiHandler } from '../../src/ui/index.js';
import { createTestDatabase } from '../support/test-database.js';
import { step } from '../workflow/workflow-jobs.js';

const t = await createTestDatabase();
const client = new Client({ pool: t.pool });
const ORIGIN = 'http://tributary.test';
const get = async (path: string, options = {}) => {
  const response = await createUiHandler(client, options)(new Request(`${ORIGIN}${path}`));
  return { status: response.status, body: (await response.json()) as any };
};

describe('GET /api/workflows/:id', () => {
  test('a workflow: its tasks in insert order with their deps and each job\'s state, without args', async () => {
    const wf = client.workflow({ name: 'nightly' });
    const a = wf.add('a', step, { name: '<script>alert(1)</script>' });
    wf.add('b', step, { name: 'b' }, { deps: [a], ignoreDependencyFailure: true });
    const inserted = await wf.insert(t.db);
    const { status, body } = await get(`/api/workflows/${wf.id}`);
    expect(status).toBe(200);
    expect(body.workflow).toMatchObject({ id: wf.id, name: 'nightly', state: 'running', counts: { available: 1, pending: 1 } });
    expect(body.workflow.tasks).toEqual([
      { name: 'a', deps: [], ignoreDependencyFailure: false, job: expect.objectContaining({ id: inserted.jobs[0]!.id, kind: 'wf_step', state: 'available', error: null }) },
      { name: 'b', deps: ['a'], ignoreDependencyFailure: true, job: expect.objectContaining({ id: inserted.jobs[1]!.id, state: 'pending', attempt: 0, maxAttempts: 25 }) },
    ]);
    // The graph needs no args: none are sent, hideArgs or not.
    expect(JSON.stringify(body)).not.toContain('script');
  });

  test('an unknown workflow is a 404 naming it; a bad id is a 400 naming the field', async () => {
    expect(await get('/api/workflows/9b2f6a1e-0000-4000-8000-000000000000')).toEqual({
      status: 404, body: { error: 'workflow "9b2f6a1e-0000-4000-8000-000000000000" not found: it has no task' },
    });
    const nul = await get('/api/workflows/a%00b');
    expect(nul.status).toBe(400);
    expect(nul.body.error).toBe('id: must be a workflow id (1 to 200 characters, no control characters), got "a\\u0000b"');
    const long = await get(`/api/workflows/${'x'.repeat(201)}`);
    expect(long.status).toBe(400);
    expect(long.body.error).toMatch(/^id: must be a workflow id .*…$/);
    expect((await get('/api/workflows/')).status).toBe(404);
  });

  test('behind authorize and at a base path like every other route', async () => {
    const wf = client.workflow({ name: 'guarded' });
    wf.add('only', step, { name: 'only' });
    await wf.insert(t.db);
    expect((await get(`/api/workflows/${wf.id}`, { authorize: () => false })).status).toBe(403);
    expect((await get(`/admin/api/workflows/${wf.id}`, { basePath: '/admin' })).status).toBe(200);
  });
});
