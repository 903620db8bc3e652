import { existsSync } from 'node:fs';
import { chromium, type Browser, type Route } from 'playwright-core';
import * as v from 'valibot';
import { afterAll, expect, test } from 'vitest';
import { defineJob, work } from '../../src/index.js';
import { serveUi, type UiServer } from '../../src/ui/index.js';
import { startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const t = await createTestDatabase();
const task = defineJob({ kind: 'task', args: v.object({ text: v.string() }) });
let browser: Browser | undefined;
let server: UiServer | undefined;

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

// CI once saw the queues page never show its rows: a live refresh of the job page, still awaiting
// its data when the hash changed, drew the job page over the queues page. The held response
// below makes that ordering happen every time.
test('a live refresh of the page left behind, answered late, does not draw over the page now shown', { timeout: 60_000 }, async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (as .ci/run does), or set CHROMIUM_PATH`);
  const client = await startClient(t, { queues: { default: { maxWorkers: 1 } }, workers: [work(task, () => {})] });
  const { job } = await client.insert(t.db, task, { text: 'hello' });
  await waitForState(t, job.id, 'completed');
  server = await serveUi(client, { port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox'] });
  const page = await browser.newPage();

  await page.goto(`${server.url}#/jobs/${job.id}`);
  await page.locator('[data-field="state"]', { hasText: 'completed' }).waitFor();

  // Hold the job page's next live refresh.
  let held!: (route: Route) => void;
  const heldRoute = new Promise<Route>((resolve) => (held = resolve));
  await page.route(`**/api/jobs/${job.id}`, (route) => held(route));
  const route = await heldRoute;

  await page.evaluate("location.hash = '#/queues'");
  const queueRow = page.locator('tr[data-queue="default"]');
  await queueRow.waitFor();

  // The live loop is serial: its next request for the queues page comes only after the held
  // refresh has been answered and drawn (or not).
  const nextQueuesRefresh = page.waitForRequest((request) => request.url().endsWith('/api/queues'));
  await route.continue();
  await nextQueuesRefresh;

  expect(await page.locator('[data-field="state"]').count()).toBe(0);
  await queueRow.locator('[data-field="status"]', { hasText: 'active' }).waitFor({ timeout: 5_000 });
  expect(await page.locator('main h2').allTextContents()).toEqual(['Queues']);
});
