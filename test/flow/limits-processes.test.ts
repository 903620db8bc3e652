import * as v from 'valibot';
import { expect, test } from 'vitest';
import { Client, defineJob } from '../../src/index.js';
import { maxOverlap, spawnLimitedChild, type ChildRun } from '../support/limited-child.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const timed = defineJob({ kind: 'timed', args: v.object({ ms: v.number() }) });
const inserter = new Client();
const QUEUE = { maxWorkers: 3, concurrency: { globalLimit: 3 } };

async function insert(count: number, ms: number): Promise<void> {
  await t.query(`DELETE FROM river_job`);
  await inserter.insertMany(t.db, Array.from({ length: count }, () => ({ job: timed, args: { ms }, opts: { queue: 'limited' } })));
}
const completed = async () => (await t.query(`SELECT count(*)::int AS n FROM river_job WHERE state = 'completed'`))[0]!.n as number;

test('3 processes with globalLimit 3: never more than 3 jobs run at once, from the times each job reported', async () => {
  const runs: ChildRun[] = [];
  const children = await Promise.all([0, 1, 2].map((i) => spawnLimitedChild(t.url, i, QUEUE, runs)));
  await insert(45, 40);
  await waitFor(async () => (await completed()) === 45, { timeoutMs: 60_000, message: '45 completed jobs' });
  await Promise.all(children.map((c) => c.stop()));
  expect(runs).toHaveLength(45);
  expect(maxOverlap(runs)).toBeLessThanOrEqual(3);
  // Which process runs them is not fixed (one that frees a slot takes it again first), but no job ran twice.
  expect(new Set(runs.map((r) => r.id)).size).toBe(45);
  // Three child processes start under tsx first: seconds each on a busy machine.
}, 90_000);

test('kill -9 of a process holding limited jobs: its slots come back once the rescuer retries its jobs, and the limit still holds', async () => {
  const runs: ChildRun[] = [];
  const options = { clientDeadAfter: 3000 };
  const children = await Promise.all([0, 1, 2].map((i) => spawnLimitedChild(t.url, i, QUEUE, runs, options)));
  await insert(40, 150);
  // Wait until a child holds a job, then kill it.
  const holder = (await waitFor(() => runs.find((r) => r.end === undefined), { timeoutMs: 20_000, message: 'a child to be running a job' })).child;
  const killedAt = await children[holder]!.kill();
  const held = runs.filter((r) => r.child === holder && r.end === undefined).map((r) => r.id);
  expect(held.length).toBeGreaterThan(0);
  // Everything completes: the killed process's jobs are retried and its slots are free again.
  await waitFor(async () => (await completed()) === 40, { timeoutMs: 40_000, message: '40 completed jobs' });
  await Promise.all(children.filter((_, i) => i !== holder).map((c) => c.stop()));
  const rows = await t.query(`SELECT id, attempt, state::text FROM river_job WHERE id = ANY($1::bigint[])`, [held]);
  expect(rows.every((r) => r.state === 'completed' && r.attempt === 2)).toBe(true);
  // Until the rescue the dead process's jobs still held their slots in the table; what really ran
  // (its own runs end at the kill) never passed the limit, before or after.
  expect(maxOverlap(runs, killedAt)).toBeLessThanOrEqual(3);
}, 90_000);
