import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { work } from '../../src/index.js';
import { serveUi, type UiServer } from '../../src/ui/index.js';
import { startClient, waitForState } from '../support/runtime.js';
import { screenshotPath } from '../support/screenshots.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';
import { launchChromium } from '../support/chromium.js';
import { reserve, ship, step } from '../workflow/workflow-jobs.js';

const t = await createTestDatabase();
let browser: Browser;
let server: UiServer;
let page: Page;
const dialogs: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.accept();
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The graph's edges as the page draws them, `from -> to`, sorted. */
const drawnEdges = (p: Page) => p.locator('svg.workflow-graph path.edge').evaluateAll((paths) => paths.map((e) => `${e.getAttribute('data-from')} -> ${e.getAttribute('data-to')}`).sort());

test('a finished workflow as a graph, a failed task\'s timeline, a fan-out of 1,000 as one group; markup runs nothing', { timeout: 90_000 }, async () => {
  const client = await startClient(t, {
    queues: { default: { maxWorkers: 4 } },
    workers: [
      work(step, (job) => {
        if (job.args.fail) throw new Error(`${job.args.name} failed: <script>alert("err")</script> out of stock`);
        return job.args.name;
      }, { nextRetry: () => 0 }),
      work(reserve, (job) => ({ sku: job.args.sku, slot: 1 })),
      work(ship, () => ({ tracking: 'T1' })),
    ],
  });
  server = await serveUi(client, { port: 0 });

  // charge -> reserve (fails twice, discarded) -> ship (cancelled); charge -> notify (completed).
  const wf = client.workflow({ name: 'order <script>alert(1)</script>' });
  const charge = wf.add('charge', step, { name: 'charge' });
  const failing = wf.add('reserve', step, { name: 'reserve', fail: true }, { deps: [charge], maxAttempts: 2 });
  const shipTask = wf.add('ship', step, { name: 'ship' }, { deps: [failing] });
  const notify = wf.add('notify <img src=x onerror=alert(2)>', step, { name: 'notify' }, { deps: [charge] });
  const inserted = await wf.insert(t.db);
  await waitForState(t, inserted.job(shipTask).id, 'cancelled');
  await waitForState(t, inserted.job(notify).id, 'completed');
  await waitFor(async () => (await client.workflowGet(wf.id))?.state === 'failed', { message: 'the workflow to fail' });

  await page.goto(`${server.url}#/workflows/${wf.id}`);
  await page.locator('svg.workflow-graph').waitFor();
  // One node per task, each in its state's class, each linking to its job.
  const nodes = await page.locator('svg.workflow-graph [data-task]').evaluateAll((els) =>
    els.map((e) => [e.getAttribute('data-task'), e.getAttribute('class'), e.getAttribute('href')]));
  expect(nodes).toEqual([
    ['charge', 'node state-completed', `#/jobs/${inserted.job(charge).id}`],
    ['reserve', 'node state-discarded', `#/jobs/${inserted.job(failing).id}`],
    ['ship', 'node state-cancelled', `#/jobs/${inserted.job(shipTask).id}`],
    ['notify <img src=x onerror=alert(2)>', 'node state-completed', `#/jobs/${inserted.job(notify).id}`],
  ]);
  expect(await drawnEdges(page)).toEqual(['charge -> notify <img src=x onerror=alert(2)>', 'charge -> reserve', 'reserve -> ship']);
  // Every box and arrow lies inside the drawing.
  const inside = await page.locator('svg.workflow-graph').evaluate((svg) => {
    const box = (svg as unknown as { getBBox(): { x: number; y: number; width: number; height: number } }).getBBox();
    return box.x >= 0 && box.y >= 0 && box.x + box.width <= Number(svg.getAttribute('width')) + 1 && box.y + box.height <= Number(svg.getAttribute('height')) + 1;
  });
  expect(inside).toBe(true);
  expect(await page.locator('h2').textContent()).toContain('order <script>alert(1)</script>');
  expect(await page.locator('[data-field="state"]').textContent()).toBe('failed');
  expect(await page.locator('[data-field="counts"]').textContent()).toBe('4: 1 discarded, 1 cancelled, 2 completed');
  await page.screenshot({ path: screenshotPath('workflow-graph.png'), fullPage: true });

  // The failed task's page: its timeline draws both attempts, who ran them, how long, the error.
  await page.locator('svg.workflow-graph [data-task="reserve"]').click();
  await page.locator('svg.timeline').waitFor();
  const attempts = await page.locator('svg.timeline g.attempt').evaluateAll((els) => els.map((e) => [e.getAttribute('data-attempt'), e.getAttribute('data-outcome')]));
  expect(attempts).toEqual([['1', 'failed'], ['2', 'discarded']]);
  for (const n of [1, 2]) {
    const item = page.locator(`ol.timeline-list li[data-attempt="${n}"]`);
    expect(await item.textContent()).toMatch(new RegExp(`attempt ${n} by ${client.id}: .* after \\d`));
    expect(await item.locator('.error').textContent()).toBe('reserve failed: <script>alert("err")</script> out of stock');
  }
  expect(await page.locator('svg.timeline [data-mark]').evaluateAll((els) => els.map((e) => e.getAttribute('data-mark')))).toEqual(['created', 'finalized']);
  expect(await page.locator('ol.errors').textContent()).toContain('out of stock');
  // Back to its workflow from the task's page.
  const link = page.locator('[data-field="workflow"] a');
  expect(await link.getAttribute('href')).toBe(`#/workflows/${wf.id}`);
  await page.screenshot({ path: screenshotPath('job-timeline.png'), fullPage: true });

  // A completed task's page shows its output and its one attempt.
  await page.goto(`${server.url}#/jobs/${inserted.job(charge).id}`);
  await page.locator('pre[data-field="output"]').waitFor();
  expect(await page.locator('pre[data-field="output"]').textContent()).toBe('"charge"');
  expect(await page.locator('svg.timeline g.attempt').count()).toBe(1);
  expect(await page.locator('svg.timeline g.attempt').getAttribute('data-outcome')).toBe('completed');

  // A fan-out of 1,000 in a queue no one works: root -> 1,000 reserve tasks -> ship, drawn as 3 nodes (one cancelled task cancels the fan-in).
  const big = client.workflow({ name: 'fan-out' });
  const root = big.add('root', step, { name: 'root' }, { queue: 'idle' });
  const items = Array.from({ length: 1000 }, (_, i) => big.add(`item-${i}`, reserve, { order: 1, sku: `sku-${i}` }, { deps: [root], queue: 'idle' }));
  big.add('fan-in', ship, { order: 1 }, { deps: items, queue: 'idle' });
  const bigInserted = await big.insert(t.db);
  await client.jobCancel(bigInserted.job(items[7]!).id);

  await page.goto(`${server.url}#/workflows/${big.id}`);
  await page.locator('svg.workflow-graph').waitFor();
  expect(await page.locator('svg.workflow-graph [data-task]').evaluateAll((els) => els.map((e) => e.getAttribute('data-task')))).toEqual(['root', 'fan-in']);
  const group = page.locator('svg.workflow-graph [data-group]');
  expect(await group.count()).toBe(1);
  // Grouped by place in the graph, not by state: the cancelled one is in the group's breakdown.
  expect(await group.getAttribute('data-count')).toBe('1000');
  expect(await group.locator('rect.segment').evaluateAll((els) => els.map((e) => [e.getAttribute('data-state'), e.getAttribute('data-count')]))).toEqual([['cancelled', '1'], ['pending', '999']]);
  expect(await drawnEdges(page)).toEqual(['group:item-0 -> fan-in', 'root -> group:item-0']);
  expect(await page.locator('svg.workflow-graph [data-task="fan-in"]').getAttribute('class')).toBe('node state-cancelled');
  await group.click();
  const panel = page.locator('.group-panel');
  await panel.waitFor();
  expect(await panel.locator('tbody tr').count()).toBe(200);
  const pending = panel.locator('.breakdown a[data-state="pending"]');
  expect(await pending.textContent()).toBe('999 pending');
  expect((await pending.getAttribute('href'))!.split('&id=')[1]!.split(',')).toHaveLength(999);
  await page.screenshot({ path: screenshotPath('workflow-fan-out.png'), fullPage: true });

  // At phone width the drawings scroll inside their boxes: nothing of the page's content reaches
  // past 390 px but what is inside a box that scrolls (the header is the phone layout's).
  await page.setViewportSize({ width: 390, height: 800 });
  for (const hash of [`#/workflows/${wf.id}`, `#/jobs/${inserted.job(failing).id}`]) {
    await page.goto(`${server.url}${hash}`);
    await page.locator('svg.workflow-graph, svg.timeline').first().waitFor();
    const wide = await page.evaluate<string[]>(`[...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > 391 && !e.parentElement?.closest('.graph, .timeline-box, pre, .scroll')).map((e) => e.tagName + '.' + e.className).slice(0, 8)`);
    expect(wide, hash).toEqual([]);
  }
  await page.screenshot({ path: screenshotPath('job-timeline-390.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // None of the markup in names, errors or args ran, nor became an element.
  expect(await page.locator('main script, main img').count()).toBe(0);
  expect(dialogs).toEqual([]);
});

test('an unknown workflow says so', async () => {
  await page.goto(`${server.url}#/workflows/no-such-workflow`);
  await page.locator('main .error').waitFor();
  expect(await page.locator('main .error').textContent()).toBe('Error: workflow "no-such-workflow" not found: it has no task');
});
