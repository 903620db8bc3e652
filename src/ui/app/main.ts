import { api, type Settings } from './api.js';
import { h, replace } from './dom.js';
import { jobView } from './job-view.js';
import { jobsView } from './jobs-view.js';
import { periodicView } from './periodic-view.js';
import { queuesView } from './queues-view.js';
import { sequencesView } from './sequences-view.js';

const REFRESH_MS = 2000;
const root = document.getElementById('view')!;
const live = document.getElementById('live') as HTMLInputElement;
const status = document.getElementById('status')!;
let refresh: (() => Promise<void>) | undefined;
let settings: Settings;

async function route(): Promise<void> {
  refresh = undefined;
  const [path = '', search = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(search);
  for (const link of document.querySelectorAll('header nav a')) link.classList.toggle('active', path.startsWith(link.getAttribute('href')!.slice(1)));
  try {
    const jobMatch = /^\/jobs\/(\d+)$/.exec(path);
    if (jobMatch) refresh = await jobView(root, Number(jobMatch[1]), settings);
    else if (path === '/queues') refresh = await queuesView(root, settings);
    else if (path === '/sequences') refresh = await sequencesView(root, params, settings);
    else if (path === '/periodic') refresh = await periodicView(root);
    else refresh = await jobsView(root, params, settings, (hash) => (location.hash = hash));
    status.textContent = '';
  } catch (error) {
    replace(root, h('p', { class: 'error' }, String(error)));
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

settings = await api.settings();
window.addEventListener('hashchange', () => void route());
await route();
void tick();
