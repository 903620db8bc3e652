import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { Client, defineJob, periodicJob, ValidationError, type PeriodicJob } from '../../src/index.js';

const report = defineJob({ kind: 'periodic_report', args: v.object({}) });
const construct = () => ({ job: report, args: {} });

/** The issues `new Client({ periodicJobs })` reports, as `path: message` lines. */
function issues(periodicJobs: unknown): string[] {
  try {
    new Client({ periodicJobs: periodicJobs as PeriodicJob[] });
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('periodicJobs validation', () => {
  test('valid schedules pass: 5 and 6 fields, nicknames, time zones, every', () => {
    expect(issues([
      periodicJob({ cron: '30 9 * * 1-5' }, construct),
      periodicJob({ cron: '*/10 * * * * *' }, construct),
      periodicJob({ cron: '@hourly' }, construct, { runOnStart: true }),
      periodicJob({ cron: '30 9 * * *', timezone: 'Europe/Paris' }, construct, { id: 'paris_report' }),
      periodicJob({ every: 1000 }, construct, { id: 'every_second' }),
    ])).toEqual([]);
  });

  test('a bad cron, a wrong number of fields or an unknown time zone names the field', () => {
    expect(issues([
      periodicJob({ cron: '61 * * * *' }, construct),
      periodicJob({ cron: '* * *' }, construct),
      periodicJob({ cron: '@fortnightly' }, construct),
      periodicJob({ cron: '0 * * * *', timezone: 'Mars/Olympus' }, construct),
    ])).toEqual([
      expect.stringMatching(/^periodicJobs\[0\]\.cron: "61 \* \* \* \*" is not a valid cron expression: .*61/),
      'periodicJobs[1].cron: must have 5 fields (minute first) or 6 (second first), or be a nickname such as @hourly, got "* * *"',
      expect.stringMatching(/^periodicJobs\[2\]\.cron: "@fortnightly" is not a valid cron expression/),
      'periodicJobs[3].timezone: unknown time zone "Mars/Olympus": use an IANA name such as "Europe/Paris"',
    ]);
  });

  test('every must be a whole number of milliseconds of at least a second', () => {
    expect(issues([500, 1500.5, -1, '60000'].map((every) => periodicJob({ every: every as number }, construct)))).toEqual([
      'periodicJobs[0].every: must be a whole number of milliseconds >= 1000, got 500',
      'periodicJobs[1].every: must be a whole number of milliseconds >= 1000, got 1500.5',
      'periodicJobs[2].every: must be a whole number of milliseconds >= 1000, got -1',
      'periodicJobs[3].every: must be a whole number of milliseconds >= 1000, got 60000',
    ]);
  });

  test('a schedule needs exactly one of cron and every; timezone only with cron', () => {
    expect(issues([
      periodicJob({ cron: '* * * * *', every: 1000 } as never, construct),
      periodicJob({} as never, construct),
      periodicJob({ every: 1000, timezone: 'UTC' } as never, construct),
      periodicJob({ cron: '* * * * *', tz: 'UTC' } as never, construct),
    ])).toEqual([
      'periodicJobs[0]: give either cron or every, not both',
      'periodicJobs[1]: needs a schedule: { cron } or { every }',
      'periodicJobs[2].timezone: applies only to cron schedules',
      'periodicJobs[3].tz: is not a periodic job field (cron, timezone, every, construct, runOnStart, id)',
    ]);
  });

  test('ids follow River\'s rule and are unique; construct must be a function', () => {
    expect(issues([
      periodicJob({ every: 1000 }, construct, { id: 'report' }),
      periodicJob({ every: 2000 }, construct, { id: 'report' }),
      periodicJob({ every: 1000 }, construct, { id: 'has spaces' }),
      periodicJob({ every: 1000 }, 'construct' as never),
      periodicJob({ every: 1000 }, construct, { runOnStart: 'yes' as never }),
    ])).toEqual([
      'periodicJobs[1].id: "report" is already the id of periodicJobs[0]',
      expect.stringMatching(/^periodicJobs\[2\]\.id: "has spaces" must start with/),
      'periodicJobs[3].construct: must be a function returning { job, args, opts? } or null',
      'periodicJobs[4].runOnStart: must be a boolean, got string',
    ]);
  });

  test('the option itself must be an array of periodic jobs', () => {
    expect(issues({})).toEqual(['periodicJobs: must be an array of periodicJob(schedule, construct, opts?)']);
    expect(issues([null])).toEqual(['periodicJobs[0]: must be made by periodicJob(schedule, construct, opts?)']);
    expect(() => new Client({ periodicJob: [] } as never)).toThrow(/periodicJob: is not a client option; did you mean "periodicJobs"\?/);
  });
});
