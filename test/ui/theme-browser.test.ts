import type { Browser, Page } from 'playwright-core';
import * as v from 'valibot';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Client, defineJob, periodicJob, work } from '../../src/index.js';
import { serveUi, type UiServer } from '../../src/ui/index.js';
import { accountStep } from '../sequences/sequence-jobs.js';
import { launchChromium, watchPage } from '../support/chromium.js';
import { quietLogger, waitForState } from '../support/runtime.js';
import { screenshotPath } from '../support/screenshots.js';
import { createTestDatabase } from '../support/test-database.js';

// The functions given to page.evaluate run in the browser; this file is typed for Node, without the DOM library.
declare const document: any, window: any, getComputedStyle: (element: unknown) => any, MutationObserver: any;

const t = await createTestDatabase();
const task = defineJob({ kind: 'deliver_webhook', args: v.object({ url: v.string(), payload: v.string() }) });
const slow = defineJob({ kind: 'sync_ledger', args: v.object({ customer: v.string() }), insertOpts: { queue: 'limited' } });
const orderStep = defineJob({ kind: 'order_step', args: v.object({ n: v.number() }) });
const EVIL = '<script>window.__ran = 1; alert("xss")</script><img src=x onerror="window.__ran = 2">';
let browser: Browser;
let page: Page;
let seen: ReturnType<typeof watchPage>;
let server: UiServer;
let release!: () => void;
let client: Client | undefined;
const pages: { name: string; hash: string; ready: string }[] = [];

// Real data on every page: a failing queue with a long args value and one holding markup, a
// halted sequence, a limited queue with jobs running, a periodic job.
beforeAll(async () => {
  const gate = new Promise<void>((resolve) => (release = resolve));
  // A client of this file's own, not startClient's (stopped after each test): the limited jobs
  // run until afterAll releases them.
  client = new Client({
    pool: t.pool, fetchCooldown: 5, fetchPollInterval: 100, logger: quietLogger,
    queues: { default: { maxWorkers: 2 }, limited: { maxWorkers: 2, concurrency: { globalLimit: 3, partition: { byArgs: ['customer'] } }, rateLimit: { limit: 10, period: 60_000 } } },
    workers: [
      work(task, () => { throw new Error('connect ECONNREFUSED 10.0.0.7:443 while delivering the webhook to the customer endpoint'); }),
      work(slow, () => gate),
      work(orderStep, () => {}),
      work(accountStep, (job) => { if (job.args.fail === 'discard') throw new Error('the ledger refused the entry'); }),
    ],
    periodicJobs: [periodicJob({ every: 3_600_000 }, () => ({ job: task, args: { url: 'https://example.com/hourly', payload: '{}' } }), { id: 'hourly-webhook-report-for-every-customer-account' })],
  });
  await client.start();
  server = await serveUi(client, { port: 0 });
  const long = `https://hooks.example.com/${'very-long-path-segment-'.repeat(20)}end`;
  const [wide, evil] = await client.insertMany(t.db, [
    { job: task, args: { url: long, payload: 'x'.repeat(2000) }, opts: { maxAttempts: 1, tags: ['customer-with-a-rather-long-tag-name', 'webhooks'] } },
    { job: task, args: { url: 'https://example.com', payload: EVIL }, opts: { maxAttempts: 1 } },
  ]);
  await client.insertMany(t.db, ['acme-corporation-international', 'globex'].map((customer) => ({ job: slow, args: { customer } })));
  const steps = await client.insertMany(t.db, [{}, { fail: 'discard' as const }, {}].map((s, n) => ({ job: accountStep, args: { accountId: 7, n, ...s }, opts: { maxAttempts: 1 } })));
  await waitForState(t, wide!.job.id, 'discarded');
  await waitForState(t, evil!.job.id, 'discarded');
  await waitForState(t, steps[1]!.job.id, 'discarded');
  const wf = client.workflow({ name: 'order 20261202 for acme-corporation-international, charged then shipped' });
  const charge = wf.add('charge-card-of-the-customer', orderStep, { n: 0 });
  const ship = wf.add('ship-every-item-of-the-order', orderStep, { n: 1 }, { deps: [charge] });
  await waitForState(t, (await wf.insert(t.db)).job(ship).id, 'completed');
  pages.push(
    { name: 'jobs', hash: '#/jobs?state=discarded', ready: `tr[data-job-id="${wide!.job.id}"]` },
    { name: 'job', hash: `#/jobs/${wide!.job.id}`, ready: 'pre[data-field="args"]' },
    { name: 'job-markup', hash: `#/jobs/${evil!.job.id}`, ready: 'pre[data-field="args"]' },
    { name: 'queues', hash: '#/queues', ready: 'table.queue-limits [data-field="running"] .meter' },
    { name: 'sequences', hash: '#/sequences', ready: 'tr[data-sequence]' },
    { name: 'sequence', hash: `#/sequences/${encodeURIComponent('kind=account_step&args={"accountId":7}')}`, ready: 'tr[data-role="halting"]' },
    { name: 'periodic', hash: '#/periodic', ready: 'tbody tr td:not(.empty)' },
    { name: 'dashboard', hash: '#/dashboard', ready: 'figure[data-chart="throughput"] canvas' },
    { name: 'workflow', hash: `#/workflows/${wf.id}`, ready: '.workflow-graph .node' },
  );
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  seen = watchPage(page);
}, 60_000);
afterAll(async () => {
  release?.();
  await browser?.close();
  await server?.close();
  await client?.stop();
});

/** Computed colours a person sees: the page's background and text, a table's, a link's. */
const colours = () => page.evaluate(() => {
  const style = (selector: string) => getComputedStyle(document.querySelector(selector)!);
  return { bg: style('html').backgroundColor, fg: style('body').color, surface: style('table').backgroundColor, link: style('main a').color };
});

/** WCAG contrast of the palette's text pairs, resolved by the browser from the custom properties. */
const contrasts = () => page.evaluate(() => {
  const probe = document.createElement('span');
  document.body.appendChild(probe);
  const rgb = (name: string) => {
    probe.style.color = `var(--${name})`;
    return getComputedStyle(probe).color.match(/\d+/g)!.slice(0, 3).map(Number);
  };
  const luminance = (c: number[]) => c.map((v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i]!, 0);
  const ratio = (a: string, b: string) => {
    const [x, y] = [luminance(rgb(a)), luminance(rgb(b))].sort((p, q) => q - p);
    return Math.round(((x! + 0.05) / (y! + 0.05)) * 100) / 100;
  };
  const pairs = [['fg', 'bg'], ['fg', 'surface'], ['muted', 'bg'], ['muted', 'surface'], ['accent', 'bg'], ['accent', 'surface'], ['accent-fg', 'accent'], ['error', 'surface'],
    ['header-fg', 'header-bg'], ['header-link', 'header-bg'], ['fg', 'tab-bg'], ['fg', 'hover'], ['fg', 'state-completed'], ['fg', 'state-failed'], ['fg', 'state-running'], ['accent', 'state-failed']];
  const result = Object.fromEntries(pairs.map(([a, b]) => [`${a} on ${b}`, ratio(a!, b!)]));
  probe.remove();
  return result;
});

test('dark mode follows the system, switches from the header, is remembered after a reload, and reads clearly', { timeout: 60_000 }, async () => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(`${server.url}#/queues`);
  await page.locator(pages[3]!.ready).first().waitFor();
  const light = await colours();
  expect(light.bg).toBe('rgb(246, 247, 249)');

  // The system's dark setting darkens the page, with no choice made.
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await colours();
  expect(dark.bg).toBe('rgb(17, 20, 24)');
  for (const key of ['bg', 'fg', 'surface', 'link'] as const) expect(dark[key]).not.toBe(light[key]);
  expect(await page.locator('#theme').inputValue()).toBe('system');

  // Text stays readable in both themes: every pair at least 4.5:1 (WCAG AA).
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const ratios = await contrasts();
    expect(Object.entries(ratios).filter(([, r]) => r < 4.5), `${scheme}: ${JSON.stringify(ratios)}`).toEqual([]);
  }

  // Chosen in the header, dark holds against a light system, and after a reload.
  await page.emulateMedia({ colorScheme: 'light' });
  await page.locator('#theme').selectOption('dark');
  expect(await colours()).toEqual(dark);
  expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
  // Recorded the moment the body starts: the theme is on <html> before anything is painted.
  await page.addInitScript(() => {
    new MutationObserver((_: unknown, observer: { disconnect(): void }) => {
      if (!document.body) return;
      (window as any).__themeAtBody = document.documentElement.getAttribute('data-theme');
      observer.disconnect();
    }).observe(document, { childList: true, subtree: true });
  });
  await page.reload();
  await page.locator(pages[3]!.ready).first().waitFor();
  expect(await page.evaluate(() => (window as any).__themeAtBody)).toBe('dark');
  expect(await page.locator('#theme').inputValue()).toBe('dark');
  expect(await colours()).toEqual(dark);

  // Light holds against a dark system; back to system, it follows the system again.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.locator('#theme').selectOption('light');
  expect(await colours()).toEqual(light);
  await page.locator('#theme').selectOption('system');
  expect(await colours()).toEqual(dark);
  await page.reload();
  await page.locator(pages[3]!.ready).first().waitFor();
  expect(await page.evaluate(() => (window as any).__themeAtBody)).toBeNull();
  expect(await colours()).toEqual(dark);
  expect(seen).toEqual({ dialogs: [], errors: [] });
});

test('every page, light and dark, at desktop and phone width: nothing scrolls the page sideways at 390 px; job data holding <script> runs nothing', { timeout: 120_000 }, async () => {
  const overflowing: string[] = [];
  for (const { name, hash, ready } of pages) {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(`${server.url}${hash}`);
      await page.locator(ready).first().waitFor();
      await page.screenshot({ path: screenshotPath(`${name}-${scheme}-desktop.png`), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 390) overflowing.push(`${name} (${scheme}): ${width} px`);
      await page.screenshot({ path: screenshotPath(`${name}-${scheme}-phone.png`), fullPage: true });
    }
  }
  expect(overflowing).toEqual([]);

  // The markup shows as text on the list and on the job's page, and none of it ran.
  await page.goto(`${server.url}#/jobs/${pages[2]!.hash.split('/').at(-1)}`);
  expect(await page.locator('pre[data-field="args"]').textContent()).toContain('<script>window.__ran = 1;');
  expect(await page.locator('main img, main script').count()).toBe(0);
  expect(await page.evaluate(() => (window as any).__ran)).toBeUndefined();
  expect(seen).toEqual({ dialogs: [], errors: [] });
});
