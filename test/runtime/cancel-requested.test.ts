import * as v from 'valibot';
import { expect, test } from 'vitest';
import { Client, defineJob, work } from '../../src/index.js';
import { DeadClientRescuer } from '../../src/maintenance/dead-client-rescuer.js';
import { Rescuer } from '../../src/maintenance/rescuer.js';
import { quietLogger, recordEvents, serverUpFor, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

// A cancel whose notification the running process never heard (it was reconnecting, or the
// request came between the fetch and the job's start) must still win, as in River.
const t = await createTestDatabase();
const inserter = new Client();
const gated = defineJob({ kind: 'gated', args: v.object({ outcome: v.picklist(['fail', 'snooze']) }) });

test('a job with a cancel request that fails or snoozes ends cancelled, and is reported so', async () => {
  const release = new Map<number, () => void>();
  const client = await startClient(t, {
    queues: { default: { maxWorkers: 4 } },
    workers: [work(gated, async (job) => {
      await new Promise<void>((resolve) => release.set(job.id, resolve));
      if (job.args.outcome === 'fail') throw new Error('failed after the cancel request');
      throw new (await import('../../src/index.js')).JobSnoozeError(60_000);
    }, { nextRetry: () => 0 })],
  });
  const cancelled = recordEvents(client, 'job_cancelled');
  const failed = recordEvents(client, 'job_failed');
  const ids: number[] = [];
  for (const outcome of ['fail', 'snooze'] as const) ids.push((await inserter.insert(t.db, gated, { outcome })).job.id);
  await waitFor(() => ids.every((id) => release.has(id)), { message: 'both jobs to run' });
  // What jobCancel writes, without the notification.
  await t.query(`UPDATE river_job SET metadata = metadata || jsonb_build_object('cancel_attempted_at', now()) WHERE id = ANY($1)`, [ids]);
  for (const id of ids) release.get(id)!();

  for (const id of ids) {
    const row = await waitForState(t, id, 'cancelled');
    expect(row.finalized_at).toBeInstanceOf(Date);
    expect(row.attempt).toBe(1);
    expect((await cancelled.forJob(id)).job.state).toBe('cancelled');
  }
  const [failedRow] = await t.query(`SELECT errors FROM river_job WHERE id = $1`, [ids[0]]);
  expect(failedRow!.errors).toEqual([expect.objectContaining({ error: 'failed after the cancel request' })]);
  failed.off();
  expect(await Promise.race([failed.forJob(ids[0]!).then(() => 'failed'), Promise.resolve('none')])).toBe('none');
});

test("the rescuer cancels, rather than retries, a dead client's job that someone asked to cancel", { timeout: 60_000 }, async () => {
  await serverUpFor(t, 35_000);
  await t.query(`INSERT INTO tributary_client (id, hostname, pid, heartbeat_at) VALUES ('gone', 'h', 1, now() - interval '1 minute')`);
  const [row] = await t.query(
    `INSERT INTO river_job (kind, args, state, attempt, attempted_at, attempted_by, metadata)
     VALUES ('gated', '{}', 'running', 1, now(), '{gone}', jsonb_build_object('cancel_attempted_at', now())) RETURNING id::int`,
  );
  const [river] = await t.query(
    `INSERT INTO river_job (kind, args, state, attempt, attempted_at, attempted_by, metadata)
     VALUES ('gated', '{}', 'running', 1, now() - interval '2 hours', '{river_go}', jsonb_build_object('cancel_attempted_at', now())) RETURNING id::int`,
  );
  await new Rescuer({ pool: t.pool, schema: undefined, logger: quietLogger, stuckAfterMs: 3_600_000, clientDeadAfterMs: 30_000 }).runOnce();
  await new DeadClientRescuer({ pool: t.pool, schema: undefined, logger: quietLogger, clientDeadAfterMs: 30_000 }).runOnce();
  const rows = await t.query(`SELECT state::text, finalized_at IS NOT NULL AS finalized FROM river_job WHERE id = ANY($1) ORDER BY id`, [[row!.id, river!.id]]);
  expect(rows).toEqual([{ state: 'cancelled', finalized: true }, { state: 'cancelled', finalized: true }]);
});
