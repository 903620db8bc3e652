import { api, type SequenceJobEntry, type Settings } from './api.js';
import { h, replace, time } from './dom.js';

const ROLE_TEXT: Record<SequenceJobEntry['role'], string> = {
  done: 'done',
  current: 'current',
  halting: 'halting',
  skipped: 'skipped',
  waiting: 'waiting',
};

/** The hash of a sequence's page: the key is encoded whole, as it holds '&', '=', '/' and JSON. */
export const sequenceHref = (key: string) => `#/sequences/${encodeURIComponent(key)}`;

/** When a job's row says it happened: finalized, started, or (waiting) scheduled. */
const when = (job: SequenceJobEntry) => time(job.finalizedAt ?? (job.role === 'current' ? job.attemptedAt ?? job.scheduledAt : job.scheduledAt));

/**
 * One sequence: where it stands and its jobs in run order (done, current, halting or skipped,
 * waiting), the halting job marked with its last error, with Resume when halted.
 */
export async function sequenceView(root: HTMLElement, key: string, settings: Settings): Promise<() => Promise<void>> {
  const message = h('p', { class: 'message', role: 'status' });
  const summary = h('p', { 'data-field': 'summary' });
  const actions = h('div', { class: 'actions' });
  const body = h('tbody');
  const note = h('p', { class: 'muted' });
  async function render(): Promise<void> {
    const { sequence, jobs, perRole } = await api.sequence(key);
    const waitingShown = jobs.filter((j) => j.role === 'waiting').length;
    const haltedBy = sequence?.haltedBy;
    replace(summary, sequence
      ? [h('strong', { 'data-field': 'status' }, sequence.status), haltedBy ? [' by job ', h('a', { href: `#/jobs/${haltedBy.id}` }, String(haltedBy.id)), ` (${haltedBy.state})`] : null,
        `, ${sequence.pending.toLocaleString('en-US')} waiting`]
      : h('strong', { 'data-field': 'status' }, 'finished: no job waits, runs or halts it'));
    const resume = async () => {
      try {
        const { skipped } = await api.sequenceResume(key);
        message.textContent = skipped.length ? `resumed past job ${skipped.join(', ')}` : 'it was not halted';
      } catch (error) {
        message.textContent = String(error);
      }
      await render();
    };
    replace(actions, settings.readOnly || sequence?.status !== 'halted' ? null : h('button', { type: 'button', 'data-action': 'resume', onclick: () => void resume() }, 'Resume past the halting job'));
    replace(body, jobs.length === 0 ? h('tr', null, h('td', { colspan: 6, class: 'empty' }, 'No jobs.')) : jobs.map((job) =>
      h('tr', { 'data-job-id': job.id, 'data-role': job.role, class: `role-${job.role}` },
        h('td', null, h('a', { href: `#/jobs/${job.id}` }, String(job.id))),
        h('td', { 'data-field': 'role' }, job.role === 'halting' ? h('strong', null, ROLE_TEXT[job.role]) : ROLE_TEXT[job.role]),
        h('td', null, h('span', { class: `state state-${job.state}` }, job.state)),
        h('td', { class: 'num' }, `${job.attempt}/${job.maxAttempts}`),
        h('td', null, when(job)),
        h('td', { class: 'error-cell' }, job.error ?? ''))));
    const more = (sequence?.pending ?? 0) - waitingShown;
    note.textContent = [
      more > 0 ? `${more.toLocaleString('en-US')} more waiting after these.` : '',
      `Done jobs: the last ${perRole} completed among the 10,000 jobs inserted before where the sequence stands (completed jobs are not indexed by sequence).`,
    ].filter(Boolean).join(' ');
  }
  replace(root,
    h('p', null, h('a', { href: '#/sequences' }, '← sequences')),
    h('h2', null, 'Sequence ', h('code', { 'data-field': 'key' }, key)),
    summary, actions, message,
    h('table', { class: 'sequence-jobs' },
      h('thead', null, h('tr', null, ...['job', 'role', 'state', 'attempt', 'when', 'last error'].map((t) => h('th', null, t)))), body),
    note);
  await render();
  return render;
}
