import * as v from 'valibot';
import { beforeEach, describe, expect, test } from 'vitest';
import { defineJob, periodicJob, type PeriodicJob, type PeriodicTick, type PgPool } from '../../src/index.js';
import { PeriodicEnqueuer } from '../../src/maintenance/periodic-enqueuer.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const report = defineJob({ kind: 'periodic_report', args: v.object({ n: v.optional(v.number()) }) });
const audit = defineJob({ kind: 'periodic_audit', args: v.object({}), insertOpts: { metadata: { from: 'definition' } } });

beforeEach(async () => {
  await t.query('DELETE FROM river_job');
});

/** A clock the test moves by hand. */
function clockAt(iso: string) {
  const clock = { now: new Date(iso), set: (to: string) => void (clock.now = new Date(to)) };
  return clock;
}

function enqueuer(jobs: PeriodicJob<any>[], clock: { now: Date }, extra: Partial<ConstructorParameters<typeof PeriodicEnqueuer>[0]> = {}) {
  return new PeriodicEnqueuer({ pool: t.pool, schema: undefined, logger: quietLogger, periodicJobs: jobs, insertDefaults: undefined, now: () => clock.now, ...extra });
}

/** Records log lines by level. */
function recordingLogger() {
  const lines: Record<'debug' | 'info' | 'warn' | 'error', string[]> = { debug: [], info: [], warn: [], error: [] };
  const at = (level: keyof typeof lines) => (message: string, data?: Record<string, unknown>) => void lines[level].push(data ? `${message} ${JSON.stringify(data)}` : message);
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

const jobs = (kind = 'periodic_report') =>
  t.query(`SELECT id::int, state::text, args, metadata, tags, priority FROM river_job WHERE kind = $1 ORDER BY id`, [kind]);
const ticks = async (kind?: string) => (await jobs(kind)).map((j) => j.metadata.periodic_tick);

describe('periodic job ticks (runOnce with an injected clock)', () => {
  test('a 5-field cron inserts once per tick, with the periodic metadata, and never twice for one tick', async () => {
    const seen: PeriodicTick[] = [];
    const clock = clockAt('2025-01-01T10:15:00Z');
    const e = enqueuer([periodicJob({ cron: '0 * * * *' }, (tick) => (seen.push(tick), { job: report, args: { n: 1 } }))], clock);
    expect(await e.runOnce()).toBe(0); // first pass only schedules
    clock.set('2025-01-01T10:59:59.999Z');
    expect(await e.runOnce()).toBe(0);
    clock.set('2025-01-01T11:00:00Z');
    expect(await e.runOnce()).toBe(1);
    expect(await e.runOnce()).toBe(0);
    const [job] = await jobs();
    expect(job).toMatchObject({ state: 'available', args: { n: 1 } });
    expect(job!.metadata).toEqual({ periodic: true, 'river:periodic_job_id': 'periodic_report@cron(0 * * * *)', periodic_tick: '2025-01-01T11:00:00.000Z' });
    expect(seen).toEqual([{ at: new Date('2025-01-01T11:00:00Z'), runOnStart: false }]);
  });

  test('a 6-field cron ticks on seconds, and @hourly on the hour', async () => {
    const clock = clockAt('2025-01-01T10:15:03Z');
    const e = enqueuer([
      periodicJob({ cron: '*/10 * * * * *' }, () => ({ job: report, args: {} })),
      periodicJob({ cron: '@hourly' }, () => ({ job: audit, args: {} })),
    ], clock);
    await e.runOnce();
    for (const at of ['2025-01-01T10:15:10Z', '2025-01-01T10:15:20Z', '2025-01-01T11:00:00Z']) {
      clock.set(at);
      await e.runOnce();
    }
    // At 11:00 the 10-second job had missed many ticks: they collapse into one, its next due tick.
    expect(await ticks()).toEqual(['2025-01-01T10:15:10.000Z', '2025-01-01T10:15:20.000Z', '2025-01-01T10:15:30.000Z']);
    expect(await ticks('periodic_audit')).toEqual(['2025-01-01T11:00:00.000Z']);
    expect((await jobs('periodic_audit'))[0]!.metadata).toMatchObject({ from: 'definition', periodic: true, 'river:periodic_job_id': 'periodic_audit@cron(@hourly)' });
  });

  test('a cron in Europe/Paris keeps 9:30 local time across the spring DST change', async () => {
    const clock = clockAt('2025-03-29T00:00:00Z');
    const e = enqueuer([periodicJob({ cron: '30 9 * * *', timezone: 'Europe/Paris' }, () => ({ job: report, args: {} }))], clock);
    await e.runOnce();
    clock.set('2025-03-29T08:29:59Z');
    expect(await e.runOnce()).toBe(0);
    clock.set('2025-03-29T08:30:00Z'); // 9:30 CET (UTC+1)
    expect(await e.runOnce()).toBe(1);
    clock.set('2025-03-30T07:29:59Z');
    expect(await e.runOnce()).toBe(0);
    clock.set('2025-03-30T07:30:00Z'); // 9:30 CEST (UTC+2), the day the clocks went forward
    expect(await e.runOnce()).toBe(1);
    expect(await ticks()).toEqual(['2025-03-29T08:30:00.000Z', '2025-03-30T07:30:00.000Z']);
    expect((await jobs())[0]!.metadata['river:periodic_job_id']).toBe('periodic_report@cron(30 9 * * *, Europe/Paris)');
  });

  test('every ticks on multiples of the interval since the epoch, so all clients agree', async () => {
    const clock = clockAt('2025-01-01T10:15:30Z');
    const e = enqueuer([periodicJob({ every: 60_000 }, () => ({ job: report, args: {} }))], clock);
    await e.runOnce();
    clock.set('2025-01-01T10:16:00Z');
    expect(await e.runOnce()).toBe(1);
    clock.set('2025-01-01T10:17:00.500Z');
    expect(await e.runOnce()).toBe(1);
    expect(await ticks()).toEqual(['2025-01-01T10:16:00.000Z', '2025-01-01T10:17:00.000Z']);
    expect((await jobs())[0]!.metadata['river:periodic_job_id']).toBe('periodic_report@every(60000)');
  });

  test('runOnStart inserts at once on each start, and the schedule goes on as usual', async () => {
    const seen: PeriodicTick[] = [];
    const clock = clockAt('2025-01-01T10:15:30Z');
    const e = enqueuer([periodicJob({ every: 60_000 }, (tick) => (seen.push(tick), { job: report, args: {} }), { runOnStart: true, id: 'reporter' })], clock);
    expect(await e.runOnce()).toBe(1);
    clock.set('2025-01-01T10:16:00Z');
    expect(await e.runOnce()).toBe(1);
    await e.stop(); // leadership lost; a new election starts over
    clock.set('2025-01-01T10:16:20Z');
    expect(await e.runOnce()).toBe(1);
    expect(await ticks()).toEqual(['2025-01-01T10:15:30.000Z', '2025-01-01T10:16:00.000Z', '2025-01-01T10:16:20.000Z']);
    expect(seen.map((s) => s.runOnStart)).toEqual([true, false, true]);
    expect((await jobs()).every((j) => j.metadata['river:periodic_job_id'] === 'reporter')).toBe(true);
  });

  test('a constructor returning null skips its tick; the next tick runs', async () => {
    let calls = 0;
    const clock = clockAt('2025-01-01T10:00:30Z');
    const e = enqueuer([periodicJob({ every: 60_000 }, () => (++calls % 2 === 1 ? null : { job: report, args: { n: calls } }))], clock);
    await e.runOnce();
    for (const at of ['2025-01-01T10:01:00Z', '2025-01-01T10:02:00Z', '2025-01-01T10:03:00Z']) {
      clock.set(at);
      await e.runOnce();
    }
    expect(calls).toBe(3);
    expect((await jobs()).map((j) => [j.args.n, j.metadata.periodic_tick])).toEqual([[2, '2025-01-01T10:02:00.000Z']]);
  });

  test('constructor opts apply, their metadata kept beside the periodic keys', async () => {
    const clock = clockAt('2025-01-01T10:00:30Z');
    const e = enqueuer([periodicJob({ every: 60_000 }, () => ({ job: report, args: {}, opts: { priority: 3, tags: ['nightly'], metadata: { team: 'data' } } }))], clock, {
      insertDefaults: { metadata: { from: 'client' }, maxAttempts: 3 },
    });
    await e.runOnce();
    clock.set('2025-01-01T10:01:00Z');
    await e.runOnce();
    const [job] = await jobs();
    expect(job).toMatchObject({ priority: 3, tags: ['nightly'] });
    expect(job!.metadata).toEqual({ team: 'data', periodic: true, 'river:periodic_job_id': 'periodic_report@every(60000)', periodic_tick: '2025-01-01T10:01:00.000Z' });
  });
});

describe('periodic job failures', () => {
  test('a constructor that throws, returns invalid args or options, or no job is logged and skipped; the others still run', async () => {
    const { lines, logger } = recordingLogger();
    const clock = clockAt('2025-01-01T10:00:30Z');
    const every = { every: 60_000 } as const;
    const e = enqueuer([
      periodicJob(every, () => { throw new Error('boom'); }),
      periodicJob(every, () => ({ job: report, args: { n: 'one' as unknown as number } })),
      periodicJob(every, () => ({ job: report, args: {}, opts: { priority: 9 as 1 } }), { id: 'bad_opts' }),
      periodicJob(every, () => ({ args: {} }) as never),
      periodicJob(every, () => ({ job: audit, args: {} })),
    ], clock, { logger });
    await e.runOnce();
    clock.set('2025-01-01T10:01:00Z');
    expect(await e.runOnce()).toBe(1);
    expect(await jobs()).toEqual([]);
    expect(await ticks('periodic_audit')).toEqual(['2025-01-01T10:01:00.000Z']);
    expect(lines.error).toEqual([
      expect.stringMatching(/^periodicJobs\[0\]: the constructor threw; skipping the tick at 2025-01-01T10:01:00.000Z .*boom/),
      expect.stringMatching(/^periodicJobs\[1\]: insert "periodic_report": args\.n: Invalid type/),
      expect.stringMatching(/^periodicJobs\[2\]: insert "periodic_report": opts\.priority: must be an integer from 1 to 4, got 9/),
      expect.stringMatching(/^periodicJobs\[3\]: the constructor must return \{ job, args, opts\? \}/),
    ]);
  });

  test('two periodic jobs that derive one id: the second is refused with a hint, not silently merged', async () => {
    const { lines, logger } = recordingLogger();
    const clock = clockAt('2025-01-01T10:00:30Z');
    const e = enqueuer([
      periodicJob({ every: 60_000 }, () => ({ job: report, args: { n: 1 } })),
      periodicJob({ every: 60_000 }, () => ({ job: report, args: { n: 2 } })),
      periodicJob({ every: 60_000 }, () => ({ job: report, args: { n: 3 } }), { id: 'report_3' }),
    ], clock, { logger });
    await e.runOnce();
    clock.set('2025-01-01T10:01:00Z');
    expect(await e.runOnce()).toBe(2);
    expect((await jobs()).map((j) => j.args.n)).toEqual([1, 3]);
    expect(lines.error).toEqual([expect.stringContaining('periodicJobs[1] has the same id as periodicJobs[0], "periodic_report@every(60000)"')]);
  });

  test('a database error keeps the tick, which is inserted on a later pass', async () => {
    const { lines, logger } = recordingLogger();
    let failing = true;
    const pool: PgPool = { query: (text, values) => t.pool.query(text, values), connect: () => (failing ? Promise.reject(new Error('connection refused')) : t.pool.connect()) };
    const clock = clockAt('2025-01-01T10:00:30Z');
    const e = enqueuer([periodicJob({ every: 60_000 }, () => ({ job: report, args: {} }))], clock, { pool, logger });
    await e.runOnce();
    clock.set('2025-01-01T10:01:00Z');
    expect(await e.runOnce()).toBe(0);
    expect(lines.warn).toEqual([expect.stringContaining('could not insert the tick at 2025-01-01T10:01:00.000Z; trying again in 1000 ms')]);
    failing = false;
    clock.set('2025-01-01T10:01:01Z');
    expect(await e.runOnce()).toBe(1);
    expect(await ticks()).toEqual(['2025-01-01T10:01:00.000Z']);
  });
});

describe('several clients', () => {
  test('two enqueuers on the same ticks, at the same moment, insert each tick once', async () => {
    const clock = clockAt('2025-01-01T10:00:30Z');
    const make = () => enqueuer([
      periodicJob({ every: 60_000 }, () => ({ job: report, args: {} })),
      periodicJob({ cron: '* * * * *' }, () => ({ job: audit, args: {} }), { id: 'audit_each_minute' }),
    ], clock);
    const [a, b] = [make(), make()];
    await Promise.all([a.runOnce(), b.runOnce()]);
    let inserted = 0;
    for (let minute = 1; minute <= 10; minute++) {
      clock.set(`2025-01-01T10:${String(minute).padStart(2, '0')}:00Z`);
      const counts = await Promise.all([a.runOnce(), b.runOnce()]);
      inserted += counts[0] + counts[1];
    }
    expect(inserted).toBe(20);
    for (const kind of ['periodic_report', 'periodic_audit']) {
      const all = await ticks(kind);
      expect(all).toHaveLength(10);
      expect(new Set(all).size).toBe(10);
    }
  });

  test('a failover leader that starts before a tick the old one already inserted does not insert it again', async () => {
    const clock = clockAt('2025-01-01T10:00:30Z');
    const job = periodicJob({ every: 60_000 }, () => ({ job: report, args: {} }));
    const old = enqueuer([job], clock);
    const next = enqueuer([job], clock);
    await old.runOnce();
    await next.runOnce();
    clock.set('2025-01-01T10:01:00Z');
    expect(await old.runOnce()).toBe(1);
    clock.set('2025-01-01T10:01:02Z'); // the new leader's first pass comes late
    expect(await next.runOnce()).toBe(0);
    expect(await ticks()).toEqual(['2025-01-01T10:01:00.000Z']);
  });
});

describe('the enqueuer as a service', () => {
  test('start() inserts on each tick by its own timer, and stop() ends it', async () => {
    const e = new PeriodicEnqueuer({
      pool: t.pool,
      schema: undefined,
      logger: quietLogger,
      insertDefaults: undefined,
      periodicJobs: [periodicJob({ every: 1000 }, () => ({ job: report, args: {} }), { runOnStart: true })],
    });
    e.start();
    const rows = await waitFor(async () => ((await jobs()).length >= 3 ? jobs() : undefined), { timeoutMs: 10_000, message: 'three periodic jobs' });
    await e.stop();
    const stamps = rows.map((r) => Date.parse(r.metadata.periodic_tick));
    // After the start insert, ticks fall on whole seconds, each later than the one before. On a
    // busy machine a timer can fire more than a second late, and the pass then inserts the latest
    // due tick only, so the gap is a whole number of seconds, not always one.
    expect(stamps.slice(1).every((ms) => ms % 1000 === 0)).toBe(true);
    expect(stamps[2]! - stamps[1]!).toBeGreaterThanOrEqual(1000);
    const after = (await jobs()).length;
    await new Promise((resolve) => setTimeout(resolve, 1500)); // proving an absence needs a wait: no tick after stop
    expect((await jobs()).length).toBe(after);
  });
});
