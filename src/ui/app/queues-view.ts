import { api, type Settings } from './api.js';
import { h, replace, time } from './dom.js';
import { queueLimitsSection } from './queue-limits-view.js';

const COLUMNS = ['available', 'running', 'scheduled', 'retryable', 'completed', 'cancelled', 'discarded'];

/** Queues with their counts, paused or not, with pause and resume. */
export async function queuesView(root: HTMLElement, settings: Settings): Promise<() => Promise<void>> {
  const message = h('p', { class: 'message', role: 'status' });
  const body = h('tbody');
  const limits = h('section', { class: 'queue-limits' });
  async function render(): Promise<void> {
    const [{ queues }] = await Promise.all([api.queues(), queueLimitsSection(limits)]);
    const toggle = async (name: string, paused: boolean) => {
      try {
        await api.queueAction(paused ? 'resume' : 'pause', name);
        message.textContent = `${name} ${paused ? 'resumed' : 'paused'}`;
      } catch (error) {
        message.textContent = String(error);
      }
      await render();
    };
    replace(body, queues.length === 0 ? h('tr', null, h('td', { colspan: 10, class: 'empty' }, 'No queues yet: a queue appears once a client works it.')) : queues.map((q) =>
      h('tr', { 'data-queue': q.name },
        h('td', null, h('a', { href: `#/jobs?state=available&queue=${encodeURIComponent(q.name)}` }, q.name)),
        h('td', { 'data-field': 'status' }, q.pausedAt ? 'paused' : 'active'),
        ...COLUMNS.map((c) => h('td', { class: 'num' }, `${(q.counts[c] ?? 0).toLocaleString('en-US')}${q.atLeast.includes(c) ? '+' : ''}`)),
        h('td', null, time(q.updatedAt)),
        settings.readOnly ? null : h('td', null, h('button', { type: 'button', 'data-action': q.pausedAt ? 'resume' : 'pause', onclick: () => void toggle(q.name, Boolean(q.pausedAt)) }, q.pausedAt ? 'Resume' : 'Pause')),
      )));
  }
  replace(root, h('h2', null, 'Queues'), message, h('table', { class: 'queues' },
    h('thead', null, h('tr', null, ...['queue', 'status', ...COLUMNS, 'seen'].map((t) => h('th', null, t)), settings.readOnly ? null : h('th', null, ''))), body), limits);
  await render();
  return render;
}
