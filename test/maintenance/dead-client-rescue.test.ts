// Dead clients' jobs are rescued by every working client, not only the leader, so rescue does not
// wait for an election when the leader is the one that died; maintenance passes run at election.
import { expect, test } from 'vitest';
import { Client, work } from '../../src/index.js';
import { DeadClientRescuer } from '../../src/maintenance/dead-client-rescuer.js';
import { Scheduler } from '../../src/maintenance/scheduler.js';
import { noop } from '../support/jobs.js';
import { quietLogger, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();

async function runningJobOf(client: string, queue: string): Promise<number> {
  const [row] = await t.query(
    `INSERT INTO river_job (kind, args, state, attempt, attempted_at, attempted_by, queue, scheduled_at)
     VALUES ('noop', '{}', 'running', 1, now(), ARRAY[$1], $2, now() - interval '1 hour') RETURNING id::int`,
    [client, queue],
  );
  return row!.id;
}

test('a client that is not the leader rescues a dead client at start, ahead of the backlog', async () => {
  // Another client holds the lease for the whole test: this one never leads.
  await t.query(`INSERT INTO river_leader (leader_id, elected_at, expires_at) VALUES ('someone_else', now(), now() + interval '1 hour')`);
  try {
    // Stopped rather than silent: this server may be younger than the 30 s window (see below).
    await t.query(`INSERT INTO tributary_client (id, hostname, pid, heartbeat_at, stopped_at) VALUES ('killed', 'h', 1, now() - interval '1 minute', now())`);
    const orphan = await runningJobOf('killed', 'follower');
    // A backlog inserted after the orphan was first scheduled: the orphan keeps its place.
    await t.query(`INSERT INTO river_job (kind, args, queue) SELECT 'noop', '{}', 'follower' FROM generate_series(1, 50)`);
    const order: number[] = [];
    const client = await startClient(t, { queues: { follower: { maxWorkers: 1 } }, workers: [work(noop, (job) => void order.push(job.id))] });
    expect(client.isLeader).toBe(false);
    const row = await waitForState(t, orphan, 'completed');
    expect(order[0]).toBe(orphan);
    expect(row.errors).toEqual([expect.objectContaining({ error: 'stuck job rescued: its client stopped heartbeating' })]);
  } finally {
    await t.query(`DELETE FROM river_leader`);
  }
});

test('a client restarted under a fixed id runs again the jobs its previous process left running', async () => {
  // The previous process under this id heartbeated a moment ago and never recorded a stop.
  await t.query(`INSERT INTO tributary_client (id, hostname, pid, heartbeat_at) VALUES ('fixed_worker', 'h', 1, now())`);
  const left = await runningJobOf('fixed_worker', 'fixed');
  await startClient(t, { id: 'fixed_worker', queues: { fixed: { maxWorkers: 1 } }, workers: [work(noop, () => {})] });
  const row = await waitForState(t, left, 'completed');
  expect(row.attempted_by).toEqual(['fixed_worker', 'fixed_worker']);
});

test('a maintenance service runs its first pass when started, not an interval later', async () => {
  const [row] = await t.query(`INSERT INTO river_job (kind, args, state, scheduled_at, queue) VALUES ('noop', '{}', 'scheduled', now() - interval '1 second', 'later') RETURNING id::int`);
  const scheduler = new Scheduler({ pool: t.pool, schema: undefined, logger: quietLogger, interval: 3_600_000 });
  scheduler.start();
  try {
    await waitFor(async () => (await t.query(`SELECT 1 FROM river_job WHERE id = $1 AND state = 'available'`, [row!.id])).length === 1, {
      message: 'the due job made available by the first pass',
    });
  } finally {
    await scheduler.stop();
  }
});

test('a silent client counts as dead only on a server up for the whole window', async () => {
  const [{ started }] = (await t.query(`SELECT pg_postmaster_start_time() AS started`)) as [{ started: Date }];
  // Silent since a minute before the server started: a restart, not a death, may explain it.
  await t.query(`INSERT INTO tributary_client (id, hostname, pid, heartbeat_at) VALUES ('before_restart', 'h', 1, $1::timestamptz - interval '1 minute')`, [started]);
  const id = await runningJobOf('before_restart', 'restarted');
  const at = (msAfterStart: number) => new DeadClientRescuer({
    pool: t.pool, schema: undefined, logger: quietLogger, clientDeadAfterMs: 30_000, now: () => new Date(started.getTime() + msAfterStart),
  });
  expect(await at(10_000).runOnce()).toBe(0); // up 10 s: every live client may still be reconnecting
  expect((await t.query(`SELECT state::text FROM river_job WHERE id = $1`, [id]))[0]!.state).toBe('running');
  expect(await at(31_000).runOnce()).toBe(1); // up a whole window, still silent: dead
});

test('a client whose own heartbeats fail judges no other client', async () => {
  await t.query(`INSERT INTO tributary_client (id, hostname, pid, heartbeat_at, stopped_at) VALUES ('judged', 'h', 1, now(), now())`);
  const id = await runningJobOf('judged', 'judged');
  let failing = true;
  const rescuer = new DeadClientRescuer({ pool: t.pool, schema: undefined, logger: quietLogger, clientDeadAfterMs: 30_000, mayJudge: () => !failing });
  expect(await rescuer.runOnce()).toBe(0);
  failing = false;
  expect(await rescuer.runOnce()).toBe(1);
  expect((await t.query(`SELECT state::text FROM river_job WHERE id = $1`, [id]))[0]!.state).toBe('available');
});

test("a client's first heartbeat must be written: start() fails with the database's error otherwise", async () => {
  await t.query(`CREATE OR REPLACE FUNCTION refuse_heartbeat() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no heartbeat today'; END $$`);
  await t.query(`CREATE TRIGGER refuse_heartbeat BEFORE INSERT ON tributary_client FOR EACH ROW EXECUTE FUNCTION refuse_heartbeat()`);
  try {
    const client = new Client({ pool: t.pool, logger: quietLogger, queues: { beat: { maxWorkers: 1 } }, workers: [work(noop, () => {})] });
    await expect(client.start()).rejects.toThrow(/no heartbeat today/);
  } finally {
    await t.query(`DROP TRIGGER refuse_heartbeat ON tributary_client`);
  }
});
