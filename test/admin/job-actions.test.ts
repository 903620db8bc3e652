import { describe, expect, test } from 'vitest';
import { Client, JobRunningError, NotFoundError, TributaryError } from '../../src/index.js';
import { listen } from '../support/notifications.js';
import { jobRow, quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { insertRow } from './job-rows.js';

const t = await createTestDatabase();
const client = new Client({ pool: t.pool, logger: quietLogger });
const secondsFromNow = (date: Date | null) => Math.abs((date?.getTime() ?? Number.NaN) - Date.now()) / 1000;

describe('jobGet', () => {
  test('returns the job, or undefined for an unknown id', async () => {
    const id = await insertRow(t, { kind: 'report', queue: 'reports', tags: ['a'] });
    expect(await client.jobGet(id)).toMatchObject({ id, kind: 'report', queue: 'reports', tags: ['a'], state: 'available' });
    expect(await client.jobGet(id + 10_000)).toBeUndefined();
  });
});

describe('jobRetry', () => {
  test('a discarded job with its attempts used up: available now, max_attempts raised to attempt + 1, its queue notified', async () => {
    const id = await insertRow(t, { state: 'discarded', attempt: 3, maxAttempts: 3, queue: 'retry-me', scheduledAt: '2020-01-01T00:00:00Z' });
    const inserts = await listen(t.url, 'public.river_insert');
    const job = await client.jobRetry(id);
    expect(job).toMatchObject({ id, state: 'available', attempt: 3, maxAttempts: 4, finalizedAt: null });
    expect(secondsFromNow(job.scheduledAt)).toBeLessThan(5);
    await inserts.flush();
    expect(inserts.payloads).toEqual(['{"queue":"retry-me"}']);
    await inserts.close();
    expect(await jobRow(t, id)).toMatchObject({ state: 'available', max_attempts: 4, finalized_at: null });
  });

  test('attempts left: max_attempts is kept; a future scheduled job is made available now', async () => {
    const completed = await insertRow(t, { state: 'completed', attempt: 1, maxAttempts: 25 });
    expect(await client.jobRetry(completed)).toMatchObject({ state: 'available', maxAttempts: 25 });
    const scheduled = await insertRow(t, { state: 'scheduled', scheduledAt: '2999-01-01T00:00:00Z' });
    const job = await client.jobRetry(scheduled);
    expect(job.state).toBe('available');
    expect(secondsFromNow(job.scheduledAt)).toBeLessThan(5);
  });

  test('a running job and an available one already due are left unchanged, without a notification', async () => {
    const running = await insertRow(t, { state: 'running', attempt: 1, queue: 'untouched' });
    const due = await insertRow(t, { state: 'available', scheduledAt: '2020-01-01T00:00:00Z', queue: 'untouched' });
    const inserts = await listen(t.url, 'public.river_insert');
    expect(await client.jobRetry(running)).toMatchObject({ state: 'running', attempt: 1 });
    expect(await client.jobRetry(due)).toMatchObject({ state: 'available', scheduledAt: new Date('2020-01-01T00:00:00Z') });
    await inserts.flush();
    expect(inserts.payloads).toEqual([]);
    await inserts.close();
  });

  test('refuses, with a clear error, to revive a unique job whose duplicate is waiting', async () => {
    // unique_states 11110101 (available, completed, pending, retryable, running, scheduled): the
    // discarded one is outside its own mask, so it may share the key with the available one.
    const key = 'ab'.repeat(32);
    await insertRow(t, { state: 'available', uniqueKey: key, uniqueStates: '11110101' });
    const discarded = await insertRow(t, { state: 'discarded', uniqueKey: key, uniqueStates: '11110101' });
    await expect(client.jobRetry(discarded)).rejects.toThrow(/job \d+ cannot be retried: a job with the same unique key/);
    expect((await jobRow(t, discarded)).state).toBe('discarded');
  });

  test('an unknown id is a NotFoundError', async () => {
    const error = await client.jobRetry(999_999).catch((e) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toBeInstanceOf(TributaryError);
    expect(error).toMatchObject({ what: 'job', key: 999_999, message: 'job 999999 not found' });
  });
});

describe('jobCancel', () => {
  test.each(['available', 'scheduled', 'retryable', 'pending'])('a %s job is cancelled at once, without a control notification', async (state) => {
    const id = await insertRow(t, { state });
    const control = await listen(t.url, 'public.river_control');
    const job = await client.jobCancel(id);
    expect(job.state).toBe('cancelled');
    expect(secondsFromNow(job.finalizedAt)).toBeLessThan(5);
    expect(typeof job.metadata.cancel_attempted_at).toBe('string');
    await control.flush();
    expect(control.payloads).toEqual([]);
    await control.close();
  });

  test('a running job stays running, marked, and its client is told to cancel it', async () => {
    const id = await insertRow(t, { state: 'running', attempt: 1, queue: 'busy', metadata: { tenant: 7 } });
    const control = await listen(t.url, 'public.river_control');
    const job = await client.jobCancel(id);
    expect(job).toMatchObject({ state: 'running', finalizedAt: null, metadata: { tenant: 7 } });
    expect(Number.isFinite(Date.parse(String(job.metadata.cancel_attempted_at)))).toBe(true);
    await control.flush();
    expect(control.payloads.map((p) => JSON.parse(p))).toEqual([{ action: 'cancel', job_id: id, queue: 'busy' }]);
    await control.close();
  });

  test('a finalized job is returned unchanged', async () => {
    const id = await insertRow(t, { state: 'completed', finalizedAt: '2024-05-01T00:00:00Z' });
    const job = await client.jobCancel(id);
    expect(job).toMatchObject({ state: 'completed', finalizedAt: new Date('2024-05-01T00:00:00Z'), metadata: {} });
  });

  test('an unknown id is a NotFoundError', async () => {
    await expect(client.jobCancel(999_999)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('jobDelete', () => {
  test('deletes a job that is not running and returns it', async () => {
    const id = await insertRow(t, { state: 'discarded', kind: 'gone' });
    expect(await client.jobDelete(id)).toMatchObject({ id, kind: 'gone', state: 'discarded' });
    expect(await client.jobGet(id)).toBeUndefined();
    await expect(client.jobDelete(id)).rejects.toBeInstanceOf(NotFoundError);
  });

  test('refuses a running job, which stays', async () => {
    const id = await insertRow(t, { state: 'running', attempt: 1 });
    const error = await client.jobDelete(id).catch((e) => e);
    expect(error).toBeInstanceOf(JobRunningError);
    expect(error.message).toMatch(/is running and cannot be deleted: cancel it/);
    expect((await jobRow(t, id)).state).toBe('running');
  });
});
