import { afterEach } from 'vitest';
import { Client, type ClientConfig, type ClientEventName, type ClientEvents } from '../../src/index.js';
import type { TestDatabase } from './test-database.js';
import { waitFor } from './wait.js';

const started: Client[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.stop()));
});

/** A started client on the test database with fast polling, stopped after each test. */
export async function startClient(t: TestDatabase, config: ClientConfig): Promise<Client> {
  const client = new Client({ pool: t.pool, fetchCooldown: 5, fetchPollInterval: 100, logger: quietLogger, ...config });
  started.push(client);
  await client.start();
  return client;
}

export const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Resolves with the first `event` for job `id`; rejects after `timeoutMs` naming what it waited
 * for, so a missing event fails with a message rather than the test's own timeout.
 */
export function nextEvent<E extends ClientEventName>(client: Client, event: E, id?: number, timeoutMs = 20_000): Promise<ClientEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${event}${id === undefined ? '' : ` for job ${id}`} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.on(event, (payload) => {
      if (id !== undefined && (payload as { job?: { id: number } }).job?.id !== id) return;
      off();
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

/**
 * Records every `event` from the moment it is called, so a test can subscribe before it inserts
 * (a job may finish before the insert call returns); `forJob(id)` resolves with the job's event,
 * whether it already came or comes later.
 */
export function recordEvents<E extends ClientEventName>(client: Client, event: E) {
  const seen = new Map<number, ClientEvents[E]>();
  const waiting = new Map<number, (payload: ClientEvents[E]) => void>();
  const off = client.on(event, (payload) => {
    const id = (payload as { job?: { id: number } }).job?.id;
    if (id === undefined) return;
    seen.set(id, payload);
    waiting.get(id)?.(payload);
  });
  return {
    off,
    forJob(id: number): Promise<ClientEvents[E]> {
      const payload = seen.get(id);
      if (payload) return Promise.resolve(payload);
      return new Promise((resolve) => waiting.set(id, resolve));
    },
  };
}

/** Reads a job's row straight from the table. */
export async function jobRow(t: TestDatabase, id: number) {
  const [row] = await t.query(
    `SELECT id::int, state::text, attempt, max_attempts, errors, metadata, attempted_by, scheduled_at, finalized_at, attempted_at FROM river_job WHERE id = $1`,
    [id],
  );
  return row!;
}

/** Waits until job `id` is in `state`, and returns its row. */
export function waitForState(t: TestDatabase, id: number, state: string, timeoutMs = 15_000) {
  return waitFor(async () => {
    const row = await jobRow(t, id);
    return row.state === state ? row : undefined;
  }, { timeoutMs, message: `job ${id} to be ${state}` });
}

/**
 * Waits until the server has been up for `ms`: a silent client counts as dead only on a server
 * up for the whole window (after a restart nobody could heartbeat), and the suite's server may
 * have started moments ago.
 */
export function serverUpFor(t: TestDatabase, ms: number) {
  return waitFor(async () => {
    const [row] = await t.query<{ up: number }>(`SELECT extract(epoch FROM now() - pg_postmaster_start_time()) * 1000 AS up`);
    return Number(row!.up) > ms;
  }, { timeoutMs: ms + 15_000, intervalMs: 200, message: `the server to be up for ${ms} ms` });
}
