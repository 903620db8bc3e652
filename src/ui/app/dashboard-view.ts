import { api } from './api.js';
import { timeChart, type TimeChart } from './chart.js';
import { h, replace } from './dom.js';

const RANGES = { hour: 'Last hour', day: 'Last day' } as const;
type Range = keyof typeof RANGES;

/** The charts of the dashboard last shown: uPlot keeps window listeners until a chart is destroyed. */
let shown: TimeChart[] = [];

/**
 * Throughput (jobs completed, failed and discarded per minute) and depth (available, scheduled,
 * running, retryable) over the last hour or day, for all queues or one, as two charts.
 */
export async function dashboardView(root: HTMLElement, params: URLSearchParams): Promise<() => Promise<void>> {
  const range: Range = params.get('range') === 'day' ? 'day' : 'hour';
  const queue = params.get('queue') || undefined;
  const link = (r: Range, q: string | undefined) => `#/dashboard?range=${r}${q ? `&queue=${encodeURIComponent(q)}` : ''}`;

  const rangeTabs = h('nav', { class: 'tabs', 'aria-label': 'range' },
    (Object.keys(RANGES) as Range[]).map((r) => h('a', { href: link(r, queue), class: r === range ? 'active' : undefined, 'data-range': r }, RANGES[r])));
  const queueTabs = h('nav', { class: 'tabs', 'aria-label': 'queue' });
  const note = h('p', { class: 'message' });
  const throughput = timeChart('throughput', 'Jobs per minute', [
    { label: 'completed', colour: '--chart-completed' },
    { label: 'failed', colour: '--chart-failed' },
    { label: 'discarded', colour: '--chart-discarded' },
  ]);
  const depth = timeChart('depth', 'Queue depth', [
    { label: 'available', colour: '--chart-available' },
    { label: 'scheduled', colour: '--chart-scheduled' },
    { label: 'running', colour: '--chart-running' },
    { label: 'retryable', colour: '--chart-retryable' },
  ]);
  for (const chart of shown) chart.destroy();
  shown = [throughput, depth];
  replace(root, h('h2', null, 'Dashboard'), rangeTabs, queueTabs, note, h('div', { class: 'charts' }, throughput.element, depth.element));

  async function render(): Promise<void> {
    const data = await api.dashboard(range, queue);
    const { series: s } = data;
    // The queue shown stays a tab even when its samples have aged out of the range.
    const names = queue && !data.queues.includes(queue) ? [...data.queues, queue] : data.queues;
    replace(queueTabs,
      h('a', { href: link(range, undefined), class: queue ? undefined : 'active', 'data-queue': '' }, 'All queues'),
      names.map((name) => h('a', { href: link(range, name), class: name === queue ? 'active' : undefined, 'data-queue': name }, name)));
    const sampled = s.available.some((v) => v !== null) || s.completed.some((v) => v > 0) || s.failed.some((v) => v > 0);
    note.textContent = sampled ? '' : 'No samples in this range yet: working clients record the jobs they finish every 5 s, and the leader samples queue depth every minute.';
    throughput.draw(s.at, [s.completed, s.failed, s.discarded]);
    depth.draw(s.at, [s.available, s.scheduled, s.running, s.retryable]);
  }
  await render();
  return render;
}
