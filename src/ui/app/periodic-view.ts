import { api } from './api.js';
import { h, replace, time } from './dom.js';

/** The periodic jobs of the client serving the UI. */
export async function periodicView(root: HTMLElement): Promise<() => Promise<void>> {
  const body = h('tbody');
  async function render(): Promise<void> {
    const { periodicJobs } = await api.periodic();
    replace(body, periodicJobs.length === 0 ? h('tr', null, h('td', { colspan: 5, class: 'empty' }, 'This client has no periodic jobs.')) : periodicJobs.map((p) =>
      h('tr', null, h('td', null, p.id), h('td', null, p.kind), h('td', null, p.schedule), h('td', null, p.runOnStart ? 'yes' : 'no'), h('td', null, time(p.nextRunAt)))));
  }
  replace(root, h('h2', null, 'Periodic jobs'), h('table', null, h('thead', null, h('tr', null, ...['id', 'kind', 'schedule', 'run on start', 'next run'].map((t) => h('th', null, t)))), body));
  await render();
  return render;
}
