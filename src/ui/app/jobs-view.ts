import { api, type Job, type Settings, type StateCount } from './api.js';
import { brief, h, replace, time } from './dom.js';

const STATES = ['available', 'running', 'scheduled', 'retryable', 'pending', 'completed', 'cancelled', 'discarded'];
const FILTERS = ['kind', 'queue', 'priority', 'tag', 'id'] as const;

/** Which actions make sense for jobs in a state; the server checks again. */
const ACTIONS: Record<string, ('retry' | 'cancel' | 'delete')[]> = {
  available: ['cancel', 'delete'],
  running: ['cancel'],
  scheduled: ['retry', 'cancel', 'delete'],
  retryable: ['retry', 'cancel', 'delete'],
  pending: ['cancel', 'delete'],
  completed: ['retry', 'delete'],
  cancelled: ['retry', 'delete'],
  discarded: ['retry', 'delete'],
};

const countLabel = (c: StateCount | undefined) => (c ? `${c.count.toLocaleString('en-US')}${c.atLeast ? '+' : ''}` : '…');

/** The jobs list: state tabs with counts, filters, a table, bulk actions and paging. */
export async function jobsView(root: HTMLElement, params: URLSearchParams, settings: Settings, navigate: (hash: string) => void): Promise<() => Promise<void>> {
  const state = params.get('state') ?? 'available';
  const selected = new Set<number>();
  const tabs = h('nav', { class: 'tabs' });
  const message = h('p', { class: 'message', role: 'status' });
  const table = h('tbody');
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Load more');
  let cursor: string | null = null;
  let jobs: Job[] = [];

  const withParams = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) if (value) next.set(key, value); else next.delete(key);
    return `#/jobs?${next}`;
  };

  const inputs = Object.fromEntries(FILTERS.map((name) => [name, h('input', { name, placeholder: name, value: params.get(name) ?? '', 'aria-label': name, size: name === 'priority' || name === 'id' ? 6 : 14 })]));
  const filters = h('form', {
    class: 'filters',
    onsubmit: (event: Event) => {
      event.preventDefault();
      navigate(withParams(Object.fromEntries(FILTERS.map((name) => [name, inputs[name]!.value.trim() || null]))));
    },
  }, ...Object.values(inputs), h('button', { type: 'submit' }, 'Filter'), h('a', { href: `#/jobs?state=${state}` }, 'Clear'));

  const act = async (action: 'retry' | 'cancel' | 'delete') => {
    const ids = [...selected];
    if (ids.length === 0) return;
    if (action === 'delete' && !confirm(`Delete ${ids.length} job(s)? This cannot be undone.`)) return;
    try {
      const { results } = await api.jobAction(action, ids);
      const failed = results.filter((r) => !r.ok);
      message.textContent = failed.length === 0 ? `${action}: ${ids.length} job(s) done` : `${action}: ${failed.length} failed: ${failed.map((f) => `#${f.id} ${f.error}`).join('; ')}`;
      selected.clear();
      await refresh();
    } catch (error) {
      message.textContent = String(error);
    }
  };
  const actions = settings.readOnly
    ? null
    : h('div', { class: 'actions' }, ...(ACTIONS[state] ?? []).map((action) => h('button', { type: 'button', 'data-action': action, onclick: () => void act(action) }, `${action[0]!.toUpperCase()}${action.slice(1)} selected`)));

  const row = (job: Job) =>
    h('tr', { 'data-job-id': job.id },
      settings.readOnly ? null : h('td', null, h('input', { type: 'checkbox', 'aria-label': `select job ${job.id}`, checked: selected.has(job.id), onchange: (e: Event) => void ((e.target as HTMLInputElement).checked ? selected.add(job.id) : selected.delete(job.id)) })),
      h('td', null, h('a', { href: `#/jobs/${job.id}` }, String(job.id))),
      h('td', null, job.kind),
      h('td', null, job.queue),
      h('td', null, String(job.priority)),
      h('td', null, `${job.attempt}/${job.maxAttempts}`),
      h('td', null, job.tags.join(', ')),
      h('td', { class: 'args' }, settings.hideArgs ? 'hidden' : brief(job.args)),
      h('td', null, time(job.finalizedAt ?? (job.state === 'running' ? job.attemptedAt : job.scheduledAt))),
    );

  const head = h('thead', null, h('tr', null, settings.readOnly ? null : h('th', null, ''), ...['id', 'kind', 'queue', 'priority', 'attempt', 'tags', 'args', state === 'running' ? 'started' : ['completed', 'cancelled', 'discarded'].includes(state) ? 'finalized' : 'scheduled'].map((t) => h('th', null, t))));

  async function load(append: boolean): Promise<void> {
    const query = new URLSearchParams(params);
    query.set('state', state);
    if (append && cursor) query.set('cursor', cursor);
    const page = await api.jobs(query);
    jobs = append ? [...jobs, ...page.jobs] : page.jobs;
    cursor = page.nextCursor;
    replace(table, jobs.length === 0 ? h('tr', null, h('td', { colspan: 9, class: 'empty' }, `No ${state} jobs`)) : jobs.map(row));
    more.hidden = !cursor;
  }
  more.addEventListener('click', () => void load(true).catch((e) => (message.textContent = String(e))));

  async function refresh(): Promise<void> {
    const [{ states }] = await Promise.all([api.states(), load(false)]);
    const byState = new Map(states.map((s) => [s.state, s]));
    replace(tabs, STATES.map((s) => h('a', { href: withParams({ state: s, cursor: null }), class: s === state ? 'active' : '', 'data-state': s }, `${s} `, h('span', { class: 'count' }, countLabel(byState.get(s))))));
  }

  replace(root, tabs, filters, actions, message, h('table', { class: 'jobs' }, head, table), more);
  await refresh();
  // Live refresh reloads the first page only, so as not to undo "load more" each time.
  return async () => {
    if (cursor && jobs.length > 100) return;
    await refresh();
  };
}
