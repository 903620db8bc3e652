import { api, type LimitPartition, type QueueLimits } from './api.js';
import { h, replace, time } from './dom.js';

type Use = QueueLimits['partitions'][number];

const per = (p: LimitPartition | undefined) =>
  p ? ` per ${[p.byKind ? 'kind' : '', p.byArgs === true ? 'args' : p.byArgs ? p.byArgs.join('+') : ''].filter(Boolean).join('+')}` : '';

/** `global 5, local 3 per customerId; 60 per 60000 ms`, as the CLI writes it. */
function limitsText({ concurrency, rateLimit }: QueueLimits['limits']): string {
  const parts: string[] = [];
  if (concurrency) {
    const limits = [concurrency.globalLimit && `global ${concurrency.globalLimit}`, concurrency.localLimit && `local ${concurrency.localLimit}`].filter(Boolean);
    parts.push(`${limits.join(', ')}${per(concurrency.partition)}`);
  }
  if (rateLimit) parts.push(`${rateLimit.limit} per ${rateLimit.period} ms${per(rateLimit.partition)}`);
  return parts.join('; ');
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * `used / limit` with a bar, red when the limit is reached. The bar's width is set through the
 * CSSOM: the CSP refuses style attributes, not element.style.
 */
function meter(used: number, limit: number, field: string): HTMLElement {
  const full = used >= limit;
  const fill = h('span');
  fill.style.width = `${Math.min(100, (100 * used) / limit)}%`;
  return h('span', { class: 'use', 'data-field': field, title: full ? 'at the limit: the next job waits' : `${count(limit - used)} free` },
    h('span', { class: full ? 'meter full' : 'meter', role: 'meter', 'aria-valuenow': used, 'aria-valuemin': 0, 'aria-valuemax': limit, 'aria-label': field }, fill),
    `${count(used)} / ${count(limit)}`);
}

/**
 * Whether a row's partition is one the limit counts by: running jobs are counted by the
 * concurrency partition and starts by the rate partition, so with only one of them partitioned a
 * row belongs to one limit, and the whole queue's row (`[]`) to the other.
 */
const countsBy = (limit: { partition?: LimitPartition } | null, use: Use) => !limit || use.partition === '' || Boolean(limit.partition) === (use.partition !== '[]');
const notItsPartition = () => h('td', { class: 'muted', title: 'this limit counts by another partition' }, '—');

/** Running jobs against the global limit; a local limit alone binds each client, so it is named, not drawn. */
function runningCell({ concurrency }: QueueLimits['limits'], use: Use): HTMLElement {
  if (!concurrency) return h('td', { class: 'muted' }, 'no limit');
  if (!countsBy(concurrency, use)) return notItsPartition();
  if (concurrency.globalLimit) return h('td', null, meter(use.running, concurrency.globalLimit, 'running'));
  return h('td', null, h('span', { class: 'use', 'data-field': 'running' }, count(use.running)), h('span', { class: 'muted' }, ` (local limit ${concurrency.localLimit} per client)`));
}

function windowCells({ rateLimit }: QueueLimits['limits'], use: Use): HTMLElement[] {
  if (!rateLimit) return [h('td', { class: 'muted' }, 'no limit'), h('td', null, '')];
  if (!countsBy(rateLimit, use)) return [notItsPartition(), h('td', null, '')];
  const full = use.startsInPeriod >= rateLimit.limit;
  return [
    h('td', null, meter(use.startsInPeriod, rateLimit.limit, 'starts')),
    h('td', { 'data-field': 'window' }, use.windowFreesAt ? [full ? 'full, frees ' : 'next frees ', time(use.windowFreesAt)] : h('span', { class: 'muted' }, 'empty')),
  ];
}

/** Fills `section` with each limited queue's limits and use per partition; empty when no queue is limited. */
export async function queueLimitsSection(section: HTMLElement): Promise<void> {
  const { queues } = await api.queueLimits();
  if (queues.length === 0) return replace(section);
  const rows = queues.flatMap((q) => {
    const partitioned = Boolean(q.limits.concurrency?.partition ?? q.limits.rateLimit?.partition);
    // A queue with nothing running nor started still shows its limits, at zero use.
    const uses: Use[] = q.partitions.length > 0 ? q.partitions : [{ partition: partitioned ? '' : '[]', running: 0, startsInPeriod: 0, windowFreesAt: null }];
    // The queue and its limits head its partitions' rows, not a rowspan: at phone width a
    // table scrolls sideways, and a rowspan cell leaves the rows under it blank.
    return [
      h('tr', { class: 'group', 'data-queue': q.queue }, h('th', { colspan: 4 }, q.queue, ': ', h('span', { 'data-field': 'limits' }, limitsText(q.limits)))),
      ...uses.map((use) =>
        h('tr', { 'data-queue': q.queue, 'data-partition': use.partition },
          h('td', null, use.partition === '[]' ? h('span', { class: 'muted' }, 'whole queue') : use.partition === '' ? h('span', { class: 'muted' }, 'none in use') : h('code', null, use.partition)),
          runningCell(q.limits, use),
          ...windowCells(q.limits, use))),
    ];
  });
  replace(section, h('h3', null, 'Limits'), h('table', { class: 'queue-limits' },
    h('thead', null, h('tr', null, ...['partition', 'running', 'starts in window', 'window'].map((t) => h('th', null, t)))),
    h('tbody', null, rows)));
}
