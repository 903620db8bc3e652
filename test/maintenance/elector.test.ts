import { afterEach, describe, expect, test } from 'vitest';
import { Client, work, type Plugin } from '../../src/index.js';
import type { MaintenanceService } from '../../src/maintenance/service.js';
import { spawnChildClient } from '../support/child-client.js';
import { noop } from '../support/jobs.js';
import { listen } from '../support/notifications.js';
import { nextEvent, quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await t.query(`DELETE FROM river_leader`);
});

/** A plugin whose one service records which clients are running it. */
function runningServices() {
  const running = new Set<string>();
  const plugin = (): Plugin => ({
    name: 'probe',
    maintenanceServices: (ctx): MaintenanceService[] => [{
      name: 'probe',
      start: () => void running.add(ctx.clientId),
      stop: async () => void running.delete(ctx.clientId),
      runOnce: async () => 0,
    }],
  });
  return { running, plugin };
}

async function startClient(id: string, extra: Partial<ConstructorParameters<typeof Client>[0]> = {}) {
  const client = new Client({ pool: t.pool, id, queues: { default: { maxWorkers: 1 } }, workers: [work(noop, () => {})], logger: quietLogger, ...extra });
  clients.push(client);
  await client.start();
  return client;
}

const leaderRow = async () => (await t.query(`SELECT leader_id, extract(epoch FROM expires_at - now()) AS left_s FROM river_leader`))[0];

describe('leader election', () => {
  test('a lone client leads once started, holds a 15 s lease, and resigns with a notification on stop', async () => {
    const leadership = await listen(t.url, 'public.river_leadership');
    const client = await startClient('solo');
    expect(client.isLeader).toBe(true);
    const row = await leaderRow();
    expect(row).toMatchObject({ leader_id: 'solo' });
    expect(Number(row!.left_s)).toBeGreaterThan(13);
    expect(Number(row!.left_s)).toBeLessThanOrEqual(15);
    await client.stop();
    expect(client.isLeader).toBe(false);
    expect(await leaderRow()).toBeUndefined();
    await leadership.flush();
    await leadership.close();
    expect(leadership.payloads.map((p) => JSON.parse(p))).toEqual([{ leader_id: 'solo', action: 'resigned' }]);
  });

  test('of two clients exactly one runs maintenance; when it stops, the other takes over at once', async () => {
    const { running, plugin } = runningServices();
    const a = await startClient('client_a', { plugins: [plugin()] });
    const b = await startClient('client_b', { plugins: [plugin()] });
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    expect([...running]).toEqual(['client_a']);

    const elected = nextEvent(b, 'leader_elected');
    const stoppedAt = Date.now();
    await a.stop();
    await elected;
    // Far sooner than the 15 s lease: b heard the resignation.
    expect(Date.now() - stoppedAt).toBeLessThan(5000);
    expect([...running]).toEqual(['client_b']);
    expect(await leaderRow()).toMatchObject({ leader_id: 'client_b' });
  });

  test("a lease held by another client (River's Go client) is respected until it expires, then taken", async () => {
    await t.query(`INSERT INTO river_leader (leader_id, elected_at, expires_at) VALUES ('river_go', now(), now() + interval '1 hour')`);
    const client = await startClient('ts_client');
    expect(client.isLeader).toBe(false);
    expect(await leaderRow()).toMatchObject({ leader_id: 'river_go' });

    const elected = nextEvent(client, 'leader_elected');
    await t.query(`UPDATE river_leader SET expires_at = now() - interval '1 second'`);
    await elected; // at its next attempt, within about 6 s
    expect(await leaderRow()).toMatchObject({ leader_id: 'ts_client' });
  });

  test("a Go client's resignation is heard and taken over at once", async () => {
    await t.query(`INSERT INTO river_leader (leader_id, elected_at, expires_at) VALUES ('river_go', now(), now() + interval '1 hour')`);
    const client = await startClient('ts_client');
    expect(client.isLeader).toBe(false);
    const elected = nextEvent(client, 'leader_elected');
    const at = Date.now();
    // What River's LeaderResign does: delete the row and notify.
    await t.query(`WITH d AS (DELETE FROM river_leader RETURNING leader_id) SELECT pg_notify('public.river_leadership', json_build_object('leader_id', leader_id, 'action', 'resigned')::text) FROM d`);
    await elected;
    expect(Date.now() - at).toBeLessThan(3000);
  });

  test('request_resign makes the leader step down and another client take over', async () => {
    const a = await startClient('client_a');
    const b = await startClient('client_b');
    expect(a.isLeader).toBe(true);
    const lost = nextEvent(a, 'leader_lost');
    const elected = nextEvent(b, 'leader_elected');
    await t.query(`SELECT pg_notify('public.river_leadership', '{"action":"request_resign"}')`);
    await Promise.all([lost, elected]);
    expect(await leaderRow()).toMatchObject({ leader_id: 'client_b' });
  });

  test('when the leader process is killed, another client takes over once its lease expires', { timeout: 45_000 }, async () => {
    const child = await spawnChildClient(t.url, { id: 'doomed_leader' });
    await child.waitFor((m) => m.type === 'leader_elected');
    const survivor = await startClient('survivor');
    expect(survivor.isLeader).toBe(false);

    const elected = nextEvent(survivor, 'leader_elected', undefined, 40_000);
    const { left_s } = (await leaderRow())!;
    const killedAt = Date.now();
    await child.kill();
    await elected;
    const tookMs = Date.now() - killedAt;
    // No resignation from a killed process: the survivor waits out the lease (at most 15 s),
    // then takes it at its next attempt (every 5 to 6 s).
    expect(tookMs).toBeGreaterThan(Number(left_s) * 1000 - 1000);
    expect(tookMs).toBeLessThan(Number(left_s) * 1000 + 7000);
    expect(await leaderRow()).toMatchObject({ leader_id: 'survivor' });
  });
});
