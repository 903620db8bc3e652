import { api, type LimitPartition, type QueueLimits } from './api.js';
import { h, replace } from './dom.js';

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

/** Fills `section` with each limited queue's limits and use per partition; empty when no queue is limited. */
export async function queueLimitsSection(section: HTMLElement): Promise<void> {
  const { queues } = await api.queueLimits();
  if (queues.length === 0) return replace(section);
  const rows = queues.flatMap((q) => {
    const head = (span: number) => [
      h('td', { rowspan: span }, q.queue),
      h('td', { rowspan: span, 'data-field': 'limits' }, limitsText(q.limits)),
    ];
    if (q.partitions.length === 0) return [h('tr', { 'data-queue': q.queue }, ...head(1), h('td', null, '-'), h('td', { class: 'num' }, '0'), h('td', { class: 'num' }, '0'))];
    return q.partitions.map((p, i) =>
      h('tr', { 'data-queue': q.queue, 'data-partition': p.partition },
        ...(i === 0 ? head(q.partitions.length) : []),
        h('td', null, p.partition),
        h('td', { class: 'num', 'data-field': 'running' }, p.running.toLocaleString('en-US')),
        h('td', { class: 'num', 'data-field': 'starts' }, p.startsInPeriod.toLocaleString('en-US'))));
  });
  replace(section, h('h3', null, 'Limits'), h('table', { class: 'queue-limits' },
    h('thead', null, h('tr', null, ...['queue', 'limits', 'partition', 'running', 'starts in period'].map((t) => h('th', null, t)))),
    h('tbody', null, rows)));
}
