// Whatever a worker throws is stored, and one outcome Postgres refuses never holds back others.
// A NUL or a lone surrogate in an error message used to fail the completer's batch forever: the
// jobs behind it stayed running although they had run, and stop() never returned.
import * as v from 'valibot';
import { afterEach, expect, test } from 'vitest';
import { Client, defineJob, work, type ClientConfig } from '../../src/index.js';
import { MAX_ERROR_MESSAGE_LENGTH, MAX_ERROR_TRACE_LENGTH } from '../../src/runtime/storable-text.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client();
const poison = defineJob({ kind: 'poison', args: v.object({ throw: v.string() }) });
const good = defineJob({ kind: 'good', args: v.object({ n: v.number() }) });

const circular: Record<string, unknown> = { name: 'loop' };
circular.self = circular;

/** What each `throw` arg makes the worker throw. */
const THROWS: Record<string, () => unknown> = {
  nul: () => new Error('bad\u0000byte'),
  surrogate: () => new Error('half \ud800 a pair'),
  hugeStack: () => Object.assign(new Error('deep'), { stack: `Error: deep\n${'    at frame (file.js:1:1)\n'.repeat(400_000)}` }),
  hugeMessage: () => new Error('m'.repeat(2_000_000)),
  string: () => 'plain \u0000 string',
  circular: () => circular,
  nullProto: () => Object.create(null),
  undefined: () => undefined,
  badStack: () => Object.assign(new Error('odd stack'), { stack: circular }),
};

let client: Client | undefined;
afterEach(async () => {
  await client?.stop();
  client = undefined;
  await t.query(`DROP TRIGGER IF EXISTS refuse ON river_job`);
});

async function start(config: Partial<ClientConfig> = {}) {
  client = new Client({
    pool: t.pool,
    logger: quietLogger,
    fetchCooldown: 5,
    fetchPollInterval: 100,
    queues: { default: { maxWorkers: 20 } },
    workers: [
      work(poison, (job) => { throw THROWS[job.args.throw]!(); }, { maxAttempts: 1 }),
      work(good, () => {}),
    ],
    ...config,
  });
  await client.start();
  return client;
}

const states = async (kind: string) =>
  (await t.query<{ state: string; n: number }>(`SELECT state::text, count(*)::int AS n FROM river_job WHERE kind = $1 GROUP BY 1 ORDER BY 1`, [kind]));

test('every thrown value is stored, capped and cleaned, and the jobs behind it complete', { timeout: 60_000 }, async () => {
  await t.query(`DELETE FROM river_job`);
  const poisoned = await inserter.insertMany(t.db, Object.keys(THROWS).map((name) => ({ job: poison, args: { throw: name } })));
  await inserter.insertMany(t.db, Array.from({ length: 100 }, (_, n) => ({ job: good, args: { n } })));
  const c = await start();
  await waitFor(async () => (await states('good')).length === 1 && (await states('good'))[0]!.state === 'completed', { timeoutMs: 20_000, message: '100 good jobs completed' });
  await waitFor(async () => (await states('poison'))[0]?.state === 'discarded' && (await states('poison')).length === 1, { message: 'every poison job discarded' });

  const rows = await t.query<{ id: number; errors: { error: string; trace: string }[] }>(
    `SELECT id::int, errors FROM river_job WHERE kind = 'poison' ORDER BY id`,
  );
  const byName = new Map(rows.map((row, i) => [Object.keys(THROWS)[i]!, row.errors.at(-1)!]));
  expect(rows.map((r) => r.id)).toEqual(poisoned.map((p) => p.job.id));
  expect(byName.get('nul')!.error).toBe('bad\uFFFDbyte');
  expect(byName.get('surrogate')!.error).toBe('half \uFFFD a pair');
  expect(byName.get('string')!.error).toBe('non-Error thrown: plain \uFFFD string');
  expect(byName.get('circular')!.error).toMatch(/^non-Error thrown: /);
  expect(byName.get('nullProto')!.error).toBe('non-Error thrown: {}');
  expect(byName.get('undefined')!.error).toBe('non-Error thrown: undefined');
  expect(byName.get('badStack')!.error).toBe('odd stack');
  const hugeStack = byName.get('hugeStack')!.trace;
  expect(hugeStack.length).toBeLessThan(MAX_ERROR_TRACE_LENGTH + 100);
  expect(hugeStack).toMatch(/… \[[\d,]+ more characters cut\]$/);
  expect(byName.get('hugeMessage')!.error.length).toBeLessThan(MAX_ERROR_MESSAGE_LENGTH + 100);
  expect(c.faults.outcomesRewritten).toBe(0); // all storable as cleaned: nothing refused
  await expect(c.stop()).resolves.toBeUndefined();
});

test('an outcome Postgres refuses is stored with the reason, or the job discarded; the rest of its batch is written', async () => {
  await t.query(`DELETE FROM river_job`);
  // A trigger refusing any change to a job with args {"n": 7} except by the fallback's discard.
  await t.query(`CREATE OR REPLACE FUNCTION refuse_seven() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.args->>'n' = '7' AND OLD.state = 'running' AND NEW.state <> 'discarded' THEN RAISE EXCEPTION 'job seven may not change'; END IF;
      RETURN NEW;
    END $$`);
  await t.query(`CREATE TRIGGER refuse BEFORE UPDATE ON river_job FOR EACH ROW EXECUTE FUNCTION refuse_seven()`);
  const inserted = await inserter.insertMany(t.db, Array.from({ length: 20 }, (_, n) => ({ job: good, args: { n } })));
  const c = await start();
  const seven = inserted[7]!.job.id;
  await waitFor(async () => (await t.query(`SELECT 1 FROM river_job WHERE id = $1 AND state = 'discarded'`, [seven])).length === 1, { message: 'job seven discarded' });
  await waitFor(async () => (await states('good')).find((s) => s.state === 'completed')?.n === 19, { message: 'the other 19 completed' });
  const [row] = await t.query(`SELECT errors FROM river_job WHERE id = $1`, [seven]);
  expect(row!.errors.at(-1).error).toMatch(/^outcome could not be stored as it was: job seven may not change/);
  expect(c.faults).toMatchObject({ outcomesRewritten: 1, outcomesUnwritable: 0 });
});

test('an outcome that cannot be stored in any form leaves only that job running, and stop() returns', async () => {
  await t.query(`DELETE FROM river_job`);
  await t.query(`CREATE OR REPLACE FUNCTION refuse_seven() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.args->>'n' = '7' AND OLD.state = 'running' THEN RAISE EXCEPTION 'job seven may not change'; END IF;
      RETURN NEW;
    END $$`);
  await t.query(`CREATE TRIGGER refuse BEFORE UPDATE ON river_job FOR EACH ROW EXECUTE FUNCTION refuse_seven()`);
  await inserter.insertMany(t.db, Array.from({ length: 20 }, (_, n) => ({ job: good, args: { n } })));
  const c = await start();
  await waitFor(async () => (await states('good')).find((s) => s.state === 'completed')?.n === 19, { message: 'the other 19 completed' });
  await waitFor(() => c.faults.outcomesUnwritable === 1, { message: 'the unwritable outcome counted' });
  expect(await states('good')).toEqual([{ state: 'completed', n: 19 }, { state: 'running', n: 1 }]);
  await expect(c.stop()).resolves.toBeUndefined();
});
