import type { Browser, Page } from 'playwright-core';
import * as v from 'valibot';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { defineJob, work } from '../../src/index.js';
import { serveUi, type UiServer } from '../../src/ui/index.js';
import { startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { launchChromium } from '../support/chromium.js';

const t = await createTestDatabase();
const task = defineJob({ kind: 'task', args: v.object({ text: v.string() }) });
let broken = true;
let browser: Browser;
let server: UiServer;
let page: Page;
const dialogs: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.accept();
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('find a failed job, retry it, watch it complete; pause a queue; args render as text', { timeout: 60_000 }, async () => {
  const client = await startClient(t, {
    queues: { default: { maxWorkers: 2 } },
    workers: [work(task, () => { if (broken) throw new Error('the mail server is down'); })],
  });
  server = await serveUi(client, { port: 0 });
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

  const { job: failing } = await client.insert(t.db, task, { text: 'welcome mail' }, { maxAttempts: 1 });
  const { job: evil } = await client.insert(t.db, task, { text: '<script>alert("xss")</script><img src=x onerror=alert(2)>' }, { maxAttempts: 1 });
  await waitForState(t, failing.id, 'discarded');
  await waitForState(t, evil.id, 'discarded');

  // The discarded tab lists the failed job with its count.
  await page.goto(`${server.url}#/jobs?state=discarded`);
  const row = page.locator(`tr[data-job-id="${failing.id}"]`);
  await row.waitFor();
  await expect.poll(() => page.locator('a[data-state="discarded"] .count').textContent()).toBe('2');

  // Its page shows the error of the attempt, with the trace.
  await row.locator('a').first().click();
  await page.locator('[data-field="state"]', { hasText: 'discarded' }).waitFor();
  expect(await page.locator('ol.errors').textContent()).toContain('the mail server is down');

  // Back to the list: select it and retry it; the worker is fixed meanwhile.
  broken = false;
  await page.goto(`${server.url}#/jobs?state=discarded`);
  await page.locator(`tr[data-job-id="${failing.id}"] input[type="checkbox"]`).check();
  await page.locator('button[data-action="retry"]').click();
  await page.locator('.message', { hasText: 'retry: 1 job(s) done' }).waitFor();

  // Live refresh shows it completed.
  await page.goto(`${server.url}#/jobs?state=completed`);
  await page.locator(`tr[data-job-id="${failing.id}"]`).waitFor({ timeout: 15_000 });
  expect((await client.jobGet(failing.id))!.state).toBe('completed');

  // Args holding markup are shown as text; nothing in them runs.
  await page.goto(`${server.url}#/jobs/${evil.id}`);
  const args = page.locator('pre[data-field="args"]');
  await args.waitFor();
  expect(await args.textContent()).toContain('<script>alert(\\"xss\\")</script><img src=x onerror=alert(2)>');
  expect(await page.locator('main img, main script').count()).toBe(0);
  expect(dialogs).toEqual([]);

  // Pause the queue from the queues page; the database and the page agree.
  await page.goto(`${server.url}#/queues`);
  const queueRow = page.locator('tr[data-queue="default"]');
  await queueRow.locator('button[data-action="pause"]').click();
  await queueRow.locator('[data-field="status"]', { hasText: 'paused' }).waitFor();
  expect((await client.queueGet('default'))!.pausedAt).toBeInstanceOf(Date);
  await queueRow.locator('button[data-action="resume"]').click();
  await queueRow.locator('[data-field="status"]', { hasText: 'active' }).waitFor();
  expect((await client.queueGet('default'))!.pausedAt).toBeNull();
});
