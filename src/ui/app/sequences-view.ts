import { api, type Sequence, type Settings } from './api.js';
import { h, replace } from './dom.js';
import { sequenceHref } from './sequence-view.js';

const jobLink = (job: Sequence['current']) => (job ? h('a', { href: `#/jobs/${job.id}` }, `${job.id} (${job.state})`) : '-');

/**
 * Sequences with a job waiting, running or halting them: each one's status, the job holding it
 * (its position), the job halting it, how many wait and which runs next, with Resume on halted
 * ones. `?halted=true` shows only those.
 */
export async function sequencesView(root: HTMLElement, params: URLSearchParams, settings: Settings): Promise<() => Promise<void>> {
  const halted = params.get('halted') === 'true';
  const message = h('p', { class: 'message', role: 'status' });
  const body = h('tbody');
  async function render(): Promise<void> {
    const { sequences, nextAfter } = await api.sequences(halted);
    const resume = async (key: string) => {
      try {
        const { skipped } = await api.sequenceResume(key);
        message.textContent = skipped.length ? `${key} resumed past job ${skipped.join(', ')}` : `${key} was not halted`;
      } catch (error) {
        message.textContent = String(error);
      }
      await render();
    };
    const rows = sequences.map((s) =>
      h('tr', { 'data-sequence': s.key },
        h('td', null, h('a', { href: sequenceHref(s.key), 'data-field': 'key' }, h('code', null, s.key))),
        h('td', { 'data-field': 'status' }, s.status),
        h('td', null, jobLink(s.current)),
        h('td', null, jobLink(s.haltedBy)),
        h('td', { class: 'num' }, s.pending.toLocaleString('en-US')),
        h('td', null, s.nextId === null ? '-' : h('a', { href: `#/jobs/${s.nextId}` }, String(s.nextId))),
        settings.readOnly || s.status !== 'halted' ? h('td', null, '') : h('td', null, h('button', { type: 'button', 'data-action': 'resume', onclick: () => void resume(s.key) }, 'Resume')),
      ));
    replace(body, rows.length === 0 ? h('tr', null, h('td', { colspan: 7, class: 'empty' }, halted ? 'No halted sequences.' : 'No sequences: no sequenced job is waiting, running or halted.')) : [
      ...rows,
      ...(nextAfter ? [h('tr', null, h('td', { colspan: 7, class: 'empty' }, 'Showing the first 100 sequences.'))] : []),
    ]);
  }
  replace(root, h('h2', null, 'Sequences'),
    h('p', null, halted ? h('a', { href: '#/sequences' }, 'All sequences') : h('a', { href: '#/sequences?halted=true' }, 'Only halted')),
    message,
    h('table', { class: 'queues' },
      h('thead', null, h('tr', null, ...['key', 'status', 'current', 'halted by', 'pending', 'next', ''].map((t) => h('th', null, t)))), body));
  await render();
  return render;
}
