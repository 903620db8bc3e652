import type { Browser, Page } from 'playwright-core';
import * as v from 'valibot';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { defineJob, work } from '../../src/index.js';
import { serveUi, type UiServer } from '../../src/ui/index.js';
import { accountStep } from '../sequences/sequence-jobs.js';
import { launchChromium, watchPage } from '../support/chromium.js';
import { startClient, waitForState } from '../support/runtime.js';
import { screenshotPath } from '../support/screenshots.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const slow = defineJob({ kind: 'slow', args: v.object({ n: v.number() }), insertOpts: { queue: 'limited' } });
let browser: Browser;
let page: Page;
let seen: ReturnType<typeof watchPage>;
const servers: UiServer[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  seen = watchPage(page);
});
afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.close()));
});

test('a limited queue shows its use against its limits: running against the concurrency limit, starts against the rate, when the window frees', { timeout: 60_000 }, async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const client = await startClient(t, {
    queues: { limited: { maxWorkers: 5, concurrency: { globalLimit: 3 }, rateLimit: { limit: 4, period: 60_000 } } },
    workers: [work(slow, () => gate)],
  });
  const server = await serveUi(client, { port: 0 });
  servers.push(server);
  await client.insertMany(t.db, [1, 2, 3, 4, 5].map((n) => ({ job: slow, args: { n } })));
  try {

    // Three run, held by the concurrency limit: the bar is full.
    await page.goto(`${server.url}#/queues`);
    const row = page.locator('table.queue-limits tr[data-queue="limited"]');
    await expect.poll(() => row.locator('[data-field="running"]').textContent(), { timeout: 15_000 }).toBe('3 / 3');
    expect(await row.locator('[data-field="limits"]').textContent()).toBe('global 3; 4 per 60000 ms');
    expect(await row.locator('[data-field="running"] .meter').getAttribute('class')).toBe('meter full');
    expect(await row.locator('[data-field="starts"]').textContent()).toBe('3 / 4');
    expect(await row.locator('[data-field="window"]').textContent()).toMatch(/^next frees in \d+ (s|min)$/);
    await page.screenshot({ path: screenshotPath('flow-queue-limits-concurrency.png'), fullPage: true });

    // Released, a fourth starts and the rate window is full: the fifth waits for it to free up.
    release();
    await expect.poll(() => row.locator('[data-field="starts"]').textContent(), { timeout: 15_000 }).toBe('4 / 4');
    await expect.poll(() => row.locator('[data-field="running"]').textContent(), { timeout: 15_000 }).toBe('0 / 3');
    expect(await row.locator('[data-field="starts"] .meter').getAttribute('class')).toBe('meter full');
    expect(await row.locator('[data-field="window"]').textContent()).toMatch(/^full, frees in \d+ (s|min)$/);
    expect((await t.query(`SELECT count(*)::int AS n FROM river_job WHERE kind = 'slow' AND state = 'available'`))[0]!.n).toBe(1);
    await page.screenshot({ path: screenshotPath('flow-queue-limits-rate.png'), fullPage: true });
    expect(seen).toEqual({ dialogs: [], errors: [] });
  } finally {
    // The held jobs let the client stop.
    release();
  }
});

test('a halted sequence\'s page lists its jobs in run order and marks the halting job; Resume moves past it', { timeout: 60_000 }, async () => {
  const client = await startClient(t, {
    queues: { default: { maxWorkers: 2 } },
    workers: [work(accountStep, (job) => { if (job.args.fail === 'discard') throw new Error(`step ${job.args.n}: the ledger refused the entry`); })],
  });
  const server = await serveUi(client, { port: 0 });
  servers.push(server);
  const steps = [{}, {}, { fail: 'discard' as const }, {}, {}];
  const ids = (await client.insertMany(t.db, steps.map((s, n) => ({ job: accountStep, args: { accountId: 42, n, ...s }, opts: { maxAttempts: s.fail ? 1 : 3 } })))).map((r) => r.job.id);
  await waitForState(t, ids[2]!, 'discarded');

  // From the list, the key leads to the sequence's page.
  await page.goto(`${server.url}#/sequences?halted=true`);
  const key = 'kind=account_step&args={"accountId":42}';
  await page.locator(`tr[data-sequence='${key}'] a[data-field="key"]`).click();
  await page.locator('tr[data-role="halting"]').waitFor();
  expect(await page.locator('[data-field="key"]').textContent()).toBe(key);
  expect(await page.locator('[data-field="summary"]').textContent()).toBe(`halted by job ${ids[2]} (discarded), 2 waiting`);
  const rows = () => page.locator('table.sequence-jobs tbody tr').evaluateAll((trs) => trs.map((tr) => [Number(tr.getAttribute('data-job-id')), tr.getAttribute('data-role')]));
  expect(await rows()).toEqual([[ids[0], 'done'], [ids[1], 'done'], [ids[2], 'halting'], [ids[3], 'waiting'], [ids[4], 'waiting']]);
  expect(await page.locator('tr[data-role="halting"]').textContent()).toContain('step 2: the ledger refused the entry');
  await page.screenshot({ path: screenshotPath('flow-sequence-halted.png'), fullPage: true });

  // Resumed, the halting job is skipped and the rest run.
  await page.locator('button[data-action="resume"]').click();
  await page.locator('.message', { hasText: `resumed past job ${ids[2]}` }).waitFor();
  await waitForState(t, ids[4]!, 'completed');
  await expect.poll(rows, { timeout: 15_000 }).toEqual([[ids[0], 'done'], [ids[1], 'done'], [ids[2], 'skipped'], [ids[3], 'done'], [ids[4], 'done']]);
  expect(await page.locator('[data-field="summary"]').textContent()).toBe('finished: no job waits, runs or halts it');
  await page.screenshot({ path: screenshotPath('flow-sequence-resumed.png'), fullPage: true });
  await waitFor(async () => (await client.sequenceGet(key)) === undefined, { message: 'the sequence to finish' });
  expect(seen).toEqual({ dialogs: [], errors: [] });
});
