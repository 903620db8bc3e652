import { describe, expect, test } from 'vitest';
import { Client, NotFoundError, work } from '../../src/index.js';
import { WorkflowRepairer } from '../../src/maintenance/workflow-repairer.js';
import { quietLogger, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { step } from './workflow-jobs.js';

const t = await createTestDatabase();
const client = new Client({ pool: t.pool });
const stateOf = async (id: number) => String((await t.query(`SELECT state::text FROM river_job WHERE id = $1`, [id]))[0]!.state);

function diamond(name: string) {
  const wf = client.workflow({ name });
  const a = wf.add('a', step, { name: 'a' });
  const b = wf.add('b', step, { name: 'b' }, { deps: [a] });
  const c = wf.add('c', step, { name: 'c' }, { deps: [a] });
  const d = wf.add('d', step, { name: 'd' }, { deps: [b, c] });
  return { wf, a, b, c, d };
}

describe('workflow administration', () => {
  test('workflowGet: the tasks in insert order, their deps and jobs, counts and state', async () => {
    const { wf } = diamond('get me');
    await wf.insert(t.db);
    const view = await client.workflowGet(wf.id);
    expect(view).toMatchObject({ id: wf.id, name: 'get me', state: 'running', counts: { available: 1, pending: 3 } });
    expect(view!.tasks.map((task) => [task.name, task.deps, task.job.state])).toEqual([
      ['a', [], 'available'], ['b', ['a'], 'pending'], ['c', ['a'], 'pending'], ['d', ['b', 'c'], 'pending'],
    ]);
    expect(await client.workflowGet('no-such-id')).toBeUndefined();
    await expect(client.workflowCancel('no-such-id')).rejects.toThrow(NotFoundError);
    await expect(client.workflowGet('' as string)).rejects.toThrow('workflowGet: the workflow id must be a non-empty string, got ""');
  });

  test('workflowCancel cancels every unfinished task; workflowRetry makes them wait again, and the workflow completes', async () => {
    const { wf, a, d } = diamond('cancel then retry');
    const inserted = await wf.insert(t.db);
    const cancelled = await client.workflowCancel(wf.id);
    expect(cancelled.changed).toBe(4);
    expect(cancelled.workflow).toMatchObject({ state: 'failed', counts: { cancelled: 4 } });
    const retried = await client.workflowRetry(wf.id);
    expect([retried.changed, retried.waiting]).toEqual([1, 3]);
    expect(await stateOf(inserted.job(a).id)).toBe('available');
    expect(await stateOf(inserted.job(d).id)).toBe('pending');
    await startClient(t, { queues: { default: { maxWorkers: 4 } }, workers: [work(step, (job) => job.args.name)] });
    await waitForState(t, inserted.job(d).id, 'completed');
    expect((await client.workflowGet(wf.id))!.state).toBe('completed');
  });

  test('jobCancel of a waiting task cancels its dependents at once', async () => {
    const { wf, b, d } = diamond('cancel one');
    const inserted = await wf.insert(t.db);
    await client.jobCancel(inserted.job(b).id);
    expect(await stateOf(inserted.job(d).id)).toBe('cancelled');
  });

  test('the repairer releases a task whose dependency was completed by a client that knows nothing of workflows', async () => {
    const wf = client.workflow({ name: 'river completed it' });
    const a = wf.add('a', step, { name: 'a' });
    const b = wf.add('b', step, { name: 'b' }, { deps: [a] });
    const inserted = await wf.insert(t.db);
    // As River's Go client completes a job: one UPDATE, no release.
    await t.query(`UPDATE river_job SET state = 'completed', attempt = 1, finalized_at = now() WHERE id = $1`, [inserted.job(a).id]);
    expect(await stateOf(inserted.job(b).id)).toBe('pending');
    const repairer = new WorkflowRepairer({ pool: t.pool, schema: undefined, logger: quietLogger });
    expect(await repairer.runOnce()).toBeGreaterThanOrEqual(1);
    expect(await stateOf(inserted.job(b).id)).toBe('available');
    expect(await repairer.runOnce()).toBe(0);
  });
});
