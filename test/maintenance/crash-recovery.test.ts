import { beforeAll, describe, expect, test } from 'vitest';
import { DeadClientRescuer } from '../../src/maintenance/dead-client-rescuer.js';
import { Rescuer } from '../../src/maintenance/rescuer.js';
import { work } from '../../src/index.js';
import { spawnChildClient } from '../support/child-client.js';
import { noop } from '../support/jobs.js';
import { quietLogger, serverUpFor, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { hold } from '../fixtures/hold-job.js';

const t = await createTestDatabase();

const rescuer = (now?: Date) =>
  new Rescuer({ pool: t.pool, schema: undefined, logger: quietLogger, stuckAfterMs: 3_600_000, clientDeadAfterMs: 30_000, now: now && (() => now) });
const deadClientRescuer = (now?: Date) =>
  new DeadClientRescuer({ pool: t.pool, schema: undefined, logger: quietLogger, clientDeadAfterMs: 30_000, now: now && (() => now) });

/** A job left running by `client`, attempted `secondsAgo`. */
async function runningJob(client: string, opts: { secondsAgo?: number; attempt?: number; maxAttempts?: number } = {}): Promise<number> {
  const [row] = await t.query(
    `INSERT INTO river_job (kind, args, state, attempt, max_attempts, attempted_at, attempted_by, queue)
     VALUES ('noop', '{}', 'running', $1, $2, now() - make_interval(secs => $3), ARRAY['someone_before', $4], 'recovery') RETURNING id::int`,
    [opts.attempt ?? 1, opts.maxAttempts ?? 25, opts.secondsAgo ?? 60, client],
  );
  return row!.id;
}

const heartbeat = (id: string, secondsAgo: number, stopped = false) =>
  t.query(
    `INSERT INTO tributary_client (id, hostname, pid, heartbeat_at, stopped_at) VALUES ($1, 'host', 1, now() - make_interval(secs => $2), CASE WHEN $3 THEN now() END)`,
    [id, secondsAgo, stopped],
  );

const states = async (ids: number[]) =>
  (await t.query(`SELECT state::text FROM river_job WHERE id = ANY($1) ORDER BY array_position($1, id)`, [ids])).map((r) => r.state);

describe('rescue by heartbeat', () => {
  beforeAll(() => serverUpFor(t, 35_000), 60_000);

  test("retries at once the jobs of a client silent past the window; River's jobs follow the time rule; a live client's are left alone", async () => {
    await heartbeat('dead_client', 45);
    await heartbeat('live_client', 2);
    const dead = await runningJob('dead_client');
    const last = await runningJob('dead_client', { attempt: 3, maxAttempts: 3 });
    const live = await runningJob('live_client');
    const river = await runningJob('river_go_client'); // River's clients never heartbeat

    const [before] = await t.query(`SELECT scheduled_at FROM river_job WHERE id = $1`, [dead]);
    expect(await rescuer().runOnce()).toBe(0); // the leader's time rule: none has run for an hour
    expect(await deadClientRescuer().runOnce()).toBe(2);
    expect(await states([dead, last, live, river])).toEqual(['available', 'discarded', 'running', 'running']);
    const [row] = await t.query(`SELECT errors, scheduled_at FROM river_job WHERE id = $1`, [dead]);
    // Available now, not after the n^4 backoff, and in its old place in line.
    expect(row!.scheduled_at).toEqual(before!.scheduled_at);
    expect(row!.errors).toEqual([expect.objectContaining({ attempt: 1, error: 'stuck job rescued: its client stopped heartbeating' })]);

    // Past rescueStuckJobsAfter the time rule takes River's job; the live client is still running
    // its own (a long job without a timeout, a persistent worker), so running it twice is wrong.
    const oldRiver = await runningJob('river_go_client', { secondsAgo: 7200 });
    const oldLive = await runningJob('live_client', { secondsAgo: 7200 });
    expect(await rescuer().runOnce()).toBe(1);
    expect(await states([oldRiver, oldLive])).toEqual(['retryable', 'running']);
    const [rescued] = await t.query(`SELECT errors FROM river_job WHERE id = $1`, [oldRiver]);
    expect(rescued!.errors).toEqual([expect.objectContaining({ error: 'stuck job rescued' })]);
  });

  test('the window is measured against the injected clock, and a stopped client counts as dead', async () => {
    await heartbeat('quiet_client', 10);
    await heartbeat('stopped_client', 1, true);
    const quiet = await runningJob('quiet_client');
    const stopped = await runningJob('stopped_client');
    expect(await deadClientRescuer().runOnce()).toBe(1);
    expect(await states([quiet, stopped])).toEqual(['running', 'available']);
    expect(await deadClientRescuer(new Date(Date.now() + 25_000)).runOnce()).toBe(1);
    expect(await states([quiet])).toEqual(['available']);
  });

  test('only the last client in attempted_by counts', async () => {
    await heartbeat('earlier_dead', 3600);
    await heartbeat('current_live', 1);
    const [row] = await t.query(
      `INSERT INTO river_job (kind, args, state, attempt, attempted_at, attempted_by) VALUES ('noop', '{}', 'running', 2, now(), '{earlier_dead,current_live}') RETURNING id::int`,
    );
    await deadClientRescuer().runOnce();
    expect(await states([row!.id])).toEqual(['running']);
  });

  test('a working client heartbeats while it runs and records its stop', async () => {
    const client = await startClient(t, { queues: { beats: { maxWorkers: 1 } }, workers: [work(noop, () => {})] });
    const [row] = await t.query(`SELECT pid, stopped_at, now() - heartbeat_at < interval '10 seconds' AS fresh FROM tributary_client WHERE id = $1`, [client.id]);
    expect(row).toMatchObject({ pid: process.pid, stopped_at: null, fresh: true });
    await client.stop();
    const [after] = await t.query(`SELECT stopped_at FROM tributary_client WHERE id = $1`, [client.id]);
    expect(after!.stopped_at).toBeInstanceOf(Date);
  });
});

test('a worker process killed with SIGKILL mid-job: its job runs again within a minute', { timeout: 90_000 }, async () => {
  // The survivor leads (it started first) and so runs the rescuer; it works another queue so
  // that the child, not the survivor, takes the job.
  await startClient(t, { queues: { elsewhere: { maxWorkers: 1 } }, workers: [work(noop, () => {})] });
  const child = await spawnChildClient(t.url, { queues: { crash: { maxWorkers: 1 } } });
  const [job] = await t.query(`INSERT INTO river_job (kind, args, queue) VALUES ('hold', '{"label":"mid-job"}', 'crash') RETURNING id::int`);
  await child.waitFor((m) => m.type === 'started' && m.id === job!.id);
  const killedAt = Date.now();
  await child.kill();

  // A second worker for the queue, to run the job again once it is rescued.
  let reran = 0;
  await startClient(t, { queues: { crash: { maxWorkers: 1 } }, workers: [work(hold, () => void reran++)] });
  const row = await waitForState(t, job!.id, 'completed', 75_000);
  const recoveredMs = Date.now() - killedAt;
  expect(recoveredMs).toBeLessThan(60_000);
  expect(reran).toBe(1);
  expect(row.attempted_by).toEqual([child.id, expect.any(String)]);
  expect(row.errors).toEqual([expect.objectContaining({ error: 'stuck job rescued: its client stopped heartbeating' })]);
  console.log(`SIGKILLed worker's job completed again ${(recoveredMs / 1000).toFixed(1)} s after the kill`);
});

test('without the tributary_client table (a Drizzle schema that left it out), clients warn and the time rule still works', async () => {
  const bare = await createTestDatabase();
  await bare.query(`DROP TABLE tributary_client`);
  const warnings: string[] = [];
  const logger = { ...quietLogger, warn: (message: string) => void warnings.push(message) };
  const client = await startClient(bare, { logger, queues: { bare: { maxWorkers: 1 } }, workers: [work(noop, () => {})] });
  expect(warnings.some((w) => w.includes('table tributary_client is missing'))).toBe(true);
  const [row] = await bare.query(
    `INSERT INTO river_job (kind, args, state, attempt, attempted_at, attempted_by) VALUES ('noop', '{}', 'running', 1, now() - interval '2 hours', '{gone}') RETURNING id::int`,
  );
  const r = new Rescuer({ pool: bare.pool, schema: undefined, logger, stuckAfterMs: 3_600_000, clientDeadAfterMs: 30_000 });
  expect(await r.runOnce()).toBe(1);
  expect((await bare.query(`SELECT state::text FROM river_job WHERE id = $1`, [row!.id]))[0]!.state).toBe('retryable');
  await client.stop();
});
