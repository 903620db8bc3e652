import { api, type Settings } from './api.js';
import { h, replace, time } from './dom.js';

/** One job: its fields, args, metadata, the errors of each attempt with their traces. */
export async function jobView(root: HTMLElement, id: number, settings: Settings): Promise<() => Promise<void>> {
  const message = h('p', { class: 'message', role: 'status' });
  async function render(): Promise<void> {
    const { job } = await api.job(id);
    const act = async (action: 'retry' | 'cancel' | 'delete') => {
      if (action === 'delete' && !confirm(`Delete job ${id}?`)) return;
      const { results } = await api.jobAction(action, [id]).catch((e) => ({ results: [{ id, ok: false, error: String(e) }] }));
      message.textContent = results[0]?.ok ? `${action}: done` : `${action} failed: ${results[0]?.error}`;
      if (action === 'delete' && results[0]?.ok) location.hash = `#/jobs?state=${job.state}`;
      else await render();
    };
    const field = (label: string, value: Node | string) => [h('dt', null, label), h('dd', null, value)];
    replace(root,
      h('p', null, h('a', { href: `#/jobs?state=${job.state}` }, `← ${job.state} jobs`)),
      h('h2', null, `Job ${job.id}: `, h('span', { class: 'kind' }, job.kind), ' ', h('span', { class: `state state-${job.state}`, 'data-field': 'state' }, job.state)),
      settings.readOnly ? null : h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-action': 'retry', onclick: () => void act('retry') }, 'Retry'),
        h('button', { type: 'button', 'data-action': 'cancel', onclick: () => void act('cancel') }, 'Cancel'),
        h('button', { type: 'button', 'data-action': 'delete', onclick: () => void act('delete') }, 'Delete')),
      message,
      h('dl', { class: 'fields' },
        field('queue', job.queue),
        field('priority', String(job.priority)),
        field('attempt', `${job.attempt} of ${job.maxAttempts}`),
        field('tags', job.tags.join(', ') || '—'),
        field('created', time(job.createdAt)),
        field('scheduled', time(job.scheduledAt)),
        field('attempted', time(job.attemptedAt)),
        field('finalized', time(job.finalizedAt)),
        field('attempted by', job.attemptedBy.join(', ') || '—')),
      h('h3', null, 'Args'),
      h('pre', { class: 'json', 'data-field': 'args' }, settings.hideArgs ? 'hidden by the server (hideArgs)' : JSON.stringify(job.args, null, 2)),
      h('h3', null, 'Metadata'),
      h('pre', { class: 'json' }, JSON.stringify(job.metadata, null, 2)),
      h('h3', null, `Errors (${job.errors.length})`),
      job.errors.length === 0 ? h('p', null, 'None.') : h('ol', { class: 'errors' }, [...job.errors].reverse().map((e) =>
        h('li', null,
          h('div', null, h('strong', null, `attempt ${e.attempt}`), ' ', time(e.at), ': ', e.error),
          e.trace ? h('details', null, h('summary', null, 'trace'), h('pre', null, e.trace)) : null))),
    );
  }
  await render();
  return render;
}
