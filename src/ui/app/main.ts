import { api, type Settings } from './api.js';
import { dashboardView } from './dashboard-view.js';
import { h, replace } from './dom.js';
import { jobView } from './job-view.js';
import { jobsView } from './jobs-view.js';
import { periodicView } from './periodic-view.js';
import { queuesView } from './queues-view.js';
import { sequenceView } from './sequence-view.js';
import { sequencesView } from './sequences-view.js';
import { themeControl } from './theme.js';
import { workflowView } from './workflow-view.js';

const REFRESH_MS = 2000;
const root = document.getElementById('view')!;
const live = document.getElementById('live') as HTMLInputElement;
const status = document.getElementById('status')!;
let refresh: (() => Promise<void>) | undefined;
let settings: Settings;

async function route(): Promise<void> {
  refresh = undefined;
  // Each route renders into its own container: a refresh of the page left behind, still awaiting
  // its data, then writes into a detached element instead of over the page now shown, and a
  // route overtaken by a newer one finds its container detached and keeps its refresh to itself.
  const view = h('div', { class: 'view' });
  replace(root, view);
  const [path = '', search = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(search);
  for (const link of document.querySelectorAll('header nav a')) link.classList.toggle('active', path.startsWith(link.getAttribute('href')!.slice(1)));
  try {
    const jobMatch = /^\/jobs\/(\d+)$/.exec(path);
    const sequenceMatch = /^\/sequences\/(.+)$/.exec(path);
    const workflowMatch = /^\/workflows\/([^/]+)$/.exec(path);
    const shown = jobMatch ? await jobView(view, Number(jobMatch[1]), settings)
      : workflowMatch ? await workflowView(view, decodeURIComponent(workflowMatch[1]!))
      : path === '/dashboard' ? await dashboardView(view, params)
      : sequenceMatch ? await sequenceView(view, decodeURIComponent(sequenceMatch[1]!), settings)
      : path === '/queues' ? await queuesView(view, settings)
      : path === '/sequences' ? await sequencesView(view, params, settings)
      : path === '/periodic' ? await periodicView(view)
      : await jobsView(view, params, settings, (hash) => (location.hash = hash));
    if (!view.isConnected) return;
    refresh = shown;
    status.textContent = '';
  } catch (error) {
    replace(view, h('p', { class: 'error' }, String(error)));
  }
}

async function tick(): Promise<void> {
  if (live.checked && refresh && document.visibilityState === 'visible') {
    try {
      await refresh();
      status.textContent = '';
    } catch (error) {
      status.textContent = `refresh failed: ${String(error)}`;
    }
  }
  setTimeout(() => void tick(), REFRESH_MS);
}

// Before the first await, so the control works while the settings load.
themeControl(document.getElementById('theme') as HTMLSelectElement);
settings = await api.settings();
window.addEventListener('hashchange', () => void route());
await route();
void tick();
