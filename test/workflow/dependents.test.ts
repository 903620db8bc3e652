import pg from 'pg';
import * as v from 'valibot';
import { afterAll, describe, expect, test } from 'vitest';
import { Client, defineJob, work } from '../../src/index.js';
import { jobCompleteMany } from '../../src/sql/job-complete-many.js';
import { completeInWorkflows } from '../../src/workflow/release.js';
import { listen } from '../support/notifications.js';
import { quietLogger, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { step } from './workflow-jobs.js';

const t = await createTestDatabase();
const inserter = new Client();
/** A kind of job no client in this file has a worker for, except where a test says so. */
const other = defineJob({ kind: 'wf_dependents_other', args: v.object({ name: v.string() }), output: v.string() });

const rowOf = async (id: number) =>
  (await t.query(`SELECT state::text, attempted_by, metadata->'tributary:workflow' AS wf FROM river_job WHERE id = $1`, [id]))[0]!;
const taskRow = async (workflowId: string, task: string) =>
  (await t.query(`SELECT id::int, state::text, attempted_by, metadata->'tributary:workflow' AS wf FROM river_job
    WHERE metadata->'tributary:workflow'->>'id' = $1 AND metadata->'tributary:workflow'->>'task' = $2`, [workflowId, task]))[0];

/**
 * A logger that records the workflow repairer's releases: a dependent must be released by the
 * completion of its dependency, and the repairer (every 5 s on the leader) would hide a release that missed it.
 */
const repairLog = () => {
  const repairs: string[] = [];
  return { repairs, logger: { ...quietLogger, info: (message: string) => void (message.includes('workflow repairer') && repairs.push(message)) } };
};

describe('workflow dependents', () => {
  test('wf.insert stores on each task the names of the tasks waiting for it, in insertion order', async () => {
    const wf = inserter.workflow({ name: 'diamond' });
    const a = wf.add('a', step, { name: 'a' });
    const b = wf.add('b', step, { name: 'b' }, { deps: [a] });
    const c = wf.add('c', step, { name: 'c' }, { deps: [a] });
    const d = wf.add('d', step, { name: 'd' }, { deps: [b, c] });
    const result = await t.db.transaction((tx) => wf.insert(tx));
    try {
      const dependents = async (ref: typeof a) => (await rowOf(result.job(ref).id)).wf.dependents;
      expect(await dependents(a)).toEqual(['b', 'c']);
      expect(await dependents(b)).toEqual(['d']);
      expect(await dependents(c)).toEqual(['d']);
      expect(await dependents(d)).toEqual([]);
    } finally {
      // Not left for the next test's client to work: its repairer log would count this workflow too.
      await t.query(`DELETE FROM river_job WHERE metadata->'tributary:workflow'->>'id' = $1`, [wf.id]);
    }
  });

  test('a task a worker adds with a dep on a task stored earlier runs once that task completes', async () => {
    const { repairs, logger } = repairLog();
    let finishSlow!: () => void;
    const slowMayFinish = new Promise<void>((resolve) => (finishSlow = resolve));
    try {
      await startClient(t, {
        logger,
        queues: { default: { maxWorkers: 4 } },
        workers: [work(step, async (job, ctx) => {
          if (job.args.name === 'slow') await slowMayFinish;
          if (job.args.name === 'adder') ctx.workflow.add('late', step, { name: 'late' }, { deps: ['slow'] });
          return job.args.name;
        })],
      });
      const wf = inserter.workflow({ name: 'late dependent' });
      const slow = wf.add('slow', step, { name: 'slow' });
      const adder = wf.add('adder', step, { name: 'adder' });
      const result = await wf.insert(t.db);
      await waitForState(t, result.job(adder).id, 'completed');
      const slowRow = await rowOf(result.job(slow).id);
      expect(slowRow.state).toBe('running');
      expect(slowRow.wf.dependents).toEqual(['late']);
      const late = await taskRow(wf.id, 'late');
      expect(late).toMatchObject({ state: 'pending', wf: { deps: ['slow'], dependents: [] } });
      finishSlow();
      await waitForState(t, late!.id, 'completed');
      expect(repairs).toEqual([]);
    } finally {
      finishSlow();
    }
  });

  test('tasks written by an older client (no dependents key) are still released when their dependency completes', async () => {
    const { repairs, logger } = repairLog();
    const wf = inserter.workflow({ name: 'old rows' });
    const a = wf.add('a', step, { name: 'a' });
    const b = wf.add('b', step, { name: 'b' }, { deps: [a] });
    const result = await wf.insert(t.db);
    await t.query(`UPDATE river_job SET metadata = metadata #- '{tributary:workflow,dependents}' WHERE metadata->'tributary:workflow'->>'id' = $1`, [wf.id]);
    const [left] = await t.query(`SELECT count(*)::int AS n FROM river_job WHERE metadata->'tributary:workflow'->>'id' = $1 AND metadata->'tributary:workflow' ? 'dependents'`, [wf.id]);
    expect(left!.n).toBe(0);
    await startClient(t, { logger, queues: { default: { maxWorkers: 2 } }, workers: [work(step, (job) => job.args.name)] });
    await waitForState(t, result.job(a).id, 'completed');
    expect((await waitForState(t, result.job(b).id, 'completed')).metadata.output).toBe('b');
    expect(repairs).toEqual([]);
  });

  test('a chain worked by one client: each next link is taken by that client at release, with no river_insert notification', async () => {
    const wf = inserter.workflow({ name: 'chain' });
    const link0 = wf.add('link0', step, { name: 'link0' });
    const link1 = wf.add('link1', step, { name: 'link1' }, { deps: [link0] });
    const link2 = wf.add('link2', step, { name: 'link2' }, { deps: [link1] });
    const result = await wf.insert(t.db);
    // Subscribed after the insert (whose own notification, for link0, is then not seen).
    const inserts = await listen(t.url, 'public.river_insert');
    try {
      // No poll: a poll's fetch in flight claims the idle worker, and the release then rightly
      // announces the next link instead of taking it. The start's own fetch finds link0.
      const client = await startClient(t, { fetchPollInterval: 600_000, queues: { default: { maxWorkers: 2 } }, workers: [work(step, (job) => job.args.name)] });
      await waitForState(t, result.job(link2).id, 'completed');
      for (const ref of [link0, link1]) expect((await rowOf(result.job(ref).id)).state).toBe('completed');
      for (const ref of [link1, link2]) expect((await rowOf(result.job(ref).id)).attempted_by).toEqual([client.id]);
      // Everything committed up to link2's completion has arrived once the marker has.
      await inserts.flush();
      expect(inserts.payloads).toEqual([]);
    } finally {
      await inserts.close();
    }
  });

  describe('completeInWorkflows, on a pool of one connection', () => {
    const pool = new pg.Pool({ connectionString: t.url, max: 1 });
    pool.on('error', () => {});
    afterAll(() => pool.end());

    /** Inserts `first -> then` (then of kind `kind`) and puts `first` running at attempt 1, as a fetch does. */
    const runningChain = async (kind: typeof step | typeof other = step) => {
      const wf = inserter.workflow();
      const first = wf.add('first', step, { name: 'first' });
      if (kind === step) wf.add('then', step, { name: 'then' }, { deps: [first] });
      else wf.add('then', other, { name: 'then' }, { deps: [first] });
      const result = await wf.insert(t.db);
      const id = result.job(first).id;
      await t.query(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() WHERE id = $1`, [id]);
      return { wf, id, thenId: result.jobs.find((job) => job.id !== id)!.id };
    };
    const complete = (wfId: string, id: number, take?: Parameters<typeof completeInWorkflows>[5]) =>
      completeInWorkflows(pool, undefined, [wfId], jobCompleteMany({ schema: undefined, ids: [id], attempts: [1], finalizedAt: [new Date().toISOString()] }), ['first'], take);
    const prepared = async () =>
      (await pool.query(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'tributary_release%'`)).rows.map((r) => String(r.name));

    test('a release statement lost from the session (DEALLOCATE ALL) is prepared again, and the next completion still releases', async () => {
      const one = await runningChain();
      expect((await complete(one.wf.id, one.id)).rows.map((r) => Number(r.id))).toEqual([one.id]);
      expect((await rowOf(one.thenId)).state).toBe('available');
      const names = await prepared();
      expect(names).toHaveLength(1);
      await pool.query('DEALLOCATE ALL');
      expect(await prepared()).toEqual([]);
      const two = await runningChain();
      expect((await complete(two.wf.id, two.id)).rows.map((r) => Number(r.id))).toEqual([two.id]);
      expect((await rowOf(two.id)).state).toBe('completed');
      expect((await rowOf(two.thenId)).state).toBe('available');
      expect(await prepared()).toEqual(names);
    });

    test('a release takes a ready task only for a client with a worker for its kind; otherwise it is announced as available', async () => {
      const take = { clientId: 'client-a', queues: ['default'], rooms: [5], kinds: [step.kind] };
      const notTaken = await runningChain(other);
      const taken = await runningChain(step);
      // Subscribed after the inserts, whose own notifications are then not seen.
      const inserts = await listen(t.url, 'public.river_insert');
      try {
        expect((await complete(notTaken.wf.id, notTaken.id, take)).taken).toEqual([]);
        expect(await rowOf(notTaken.thenId)).toMatchObject({ state: 'available', attempted_by: null });
        await inserts.flush();
        expect(inserts.payloads.map((p) => JSON.parse(p))).toEqual([{ queue: 'default' }]);
        inserts.payloads.length = 0;

        const done = await complete(taken.wf.id, taken.id, take);
        expect(done.taken.map((job) => job.id)).toEqual([taken.thenId]);
        expect(await rowOf(taken.thenId)).toMatchObject({ state: 'running', attempted_by: ['client-a'] });
        await inserts.flush();
        expect(inserts.payloads).toEqual([]);
      } finally {
        await inserts.close();
      }
    });
  });
});
