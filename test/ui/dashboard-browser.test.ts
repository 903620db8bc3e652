import type { Browser, Page } from 'playwright-core';
import * as v from 'valibot';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { defineJob, work } from '../../src/index.js';
import { QueueSampler } from '../../src/maintenance/queue-sampler.js';
import { serveUi, type UiServer } from '../../src/ui/index.js';
import { quietLogger, startClient } from '../support/runtime.js';
import { screenshotPath } from '../support/screenshots.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';
import { launchChromium } from '../support/chromium.js';

const t = await createTestDatabase();
const task = defineJob({ kind: 'task', args: v.object({ fail: v.boolean() }) });
let browser: Browser;
let server: UiServer;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // A CSP violation (an inline style uPlot might set) or a script error shows up here.
  // (The browser's own request for /favicon.ico, which the UI does not serve, is no problem.)
  page.on('console', (message) => { if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) problems.push(`${message.text()} ${message.location().url}`); });
  page.on('pageerror', (error) => problems.push(String(error)));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The numbers a chart was last drawn with, from its data attributes. */
const chartData = (name: string) =>
  page.locator(`figure[data-chart="${name}"]`).evaluate((figure) => Object.fromEntries([...figure.attributes].filter((a) => a.name.startsWith('data-')).map((a) => [a.name, a.value])));

test('the dashboard charts real jobs completed, failed and discarded, and the queues\' depth', { timeout: 90_000 }, async () => {
  const client = await startClient(t, {
    queues: { default: { maxWorkers: 4 }, mail: { maxWorkers: 2 } },
    retryPolicy: () => 3_600_000,
    workers: [work(task, (job) => { if (job.args.fail) throw new Error('the mail server is down'); })],
  });
  await client.insertMany(t.db, [
    ...Array.from({ length: 6 }, () => ({ job: task, args: { fail: false } })),
    { job: task, args: { fail: false }, opts: { queue: 'mail' } },
    { job: task, args: { fail: true }, opts: { queue: 'mail', maxAttempts: 1 } },
    { job: task, args: { fail: true }, opts: { queue: 'mail', maxAttempts: 1 } },
  ]);
  // One that fails and stays retryable (its retry an hour away), and some waiting for later.
  await client.insert(t.db, task, { fail: true }, { queue: 'mail', maxAttempts: 5 });
  await client.insertMany(t.db, Array.from({ length: 3 }, () => ({ job: task, args: { fail: false }, opts: { scheduledAt: new Date(Date.now() + 3_600_000) } })));
  await waitFor(async () => (await t.query(`SELECT count(*)::int AS n FROM river_job WHERE state IN ('completed', 'discarded', 'retryable')`))[0]?.n === 10, {
    timeoutMs: 30_000, message: '7 completed, 2 discarded and 1 retryable job',
  });
  // Stopping writes the client's counts at once (no 5 s wait); then a sample pass of the leader's service.
  await client.stop();
  await new QueueSampler({ pool: t.pool, schema: undefined, logger: quietLogger }).runOnce();

  server = await serveUi(client, { port: 0 });
  await page.goto(server.url);
  // Dashboard is the first link; the default route stays the jobs list.
  expect(await page.locator('header nav a').first().textContent()).toBe('Dashboard');
  await page.locator('header nav a', { hasText: 'Dashboard' }).click();
  await page.locator('figure[data-chart="throughput"] canvas').waitFor();
  expect(await page.locator('figure[data-chart="depth"] canvas').count()).toBe(1);

  await expect.poll(() => chartData('throughput')).toMatchObject({ 'data-points': '60', 'data-total-completed': '7', 'data-total-failed': '3', 'data-total-discarded': '2' });
  // The latest sample (the leader may have sampled an earlier minute too, while the jobs ran).
  expect(await chartData('depth')).toMatchObject({ 'data-last-scheduled': '3', 'data-last-retryable': '1', 'data-last-available': '0', 'data-last-running': '0' });
  // The legend names every series.
  const legend = await page.locator('figure[data-chart="throughput"] .u-legend').textContent();
  for (const label of ['completed', 'failed', 'discarded']) expect(legend).toContain(label);
  // uPlot's stylesheet is part of /assets/app.css: its overlay is positioned, not laid out below the canvas.
  expect(await page.locator('figure[data-chart="throughput"] .u-over').evaluate((e) => e.ownerDocument.defaultView!.getComputedStyle(e).position)).toBe('absolute');
  await page.screenshot({ path: screenshotPath('dashboard.png'), fullPage: true });

  // One queue, and the day range.
  await page.locator('nav[aria-label="queue"] a[data-queue="mail"]').click();
  await expect.poll(() => chartData('throughput')).toMatchObject({ 'data-total-completed': '1', 'data-total-failed': '3', 'data-total-discarded': '2' });
  await page.locator('a[data-range="day"]').click();
  await expect.poll(() => chartData('throughput')).toMatchObject({ 'data-points': '1440', 'data-total-completed': '1' });
  expect(page.url()).toContain('#/dashboard?range=day&queue=mail');
  await page.screenshot({ path: screenshotPath('dashboard-mail-day.png'), fullPage: true });

  // Colours come from the CSS custom properties: a new value shows at the next refresh.
  const strokeOf = () => page.locator('figure[data-chart="throughput"] canvas').evaluate((canvas) => (canvas as unknown as { toDataURL(): string }).toDataURL());
  const before = await strokeOf();
  await page.locator('html').evaluate((html) => html.style.setProperty('--chart-completed', 'rgb(255, 0, 255)'));
  await expect.poll(strokeOf, { timeout: 10_000 }).not.toBe(before);
  expect(problems).toEqual([]);
});
