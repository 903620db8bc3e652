import { api, type Settings } from './api.js';
import { h, replace, time } from './dom.js';
import { timelineList, timelineSvg } from './job-timeline.js';
import { jobTimeline } from './timeline-model.js';

/** A task's place in its workflow (`metadata["tributary:workflow"]`), or undefined. */
function workflowOf(metadata: Record<string, unknown>): { id: string; name: string; task: string; deps: string[] } | undefined {
  const value = metadata['tributary:workflow'] as { id?: unknown; name?: unknown; task?: unknown; deps?: unknown } | undefined;
  if (typeof value?.id !== 'string' || typeof value.task !== 'string') return undefined;
  return { id: value.id, name: String(value.name ?? ''), task: value.task, deps: Array.isArray(value.deps) ? value.deps.map(String) : [] };
}

/** `metadata.progress` as `ctx.progress()` writes it: a bar for a percentage, JSON for an object. */
function progressOf(metadata: Record<string, unknown>): Node | null {
  const value = metadata.progress;
  if (typeof value === 'number') {
    return h('span', { class: 'progress', 'data-field': 'progress' }, h('progress', { max: 100, value }), ` ${value}%`);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return h('code', { 'data-field': 'progress' }, JSON.stringify(value));
  return null;
}

/**
 * One job: its timeline (created, scheduled, each attempt with who ran it and for how long,
 * finalized), its fields, progress, output, workflow, args, metadata, and the errors of each
 * attempt with their traces.
 */
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
    const now = Date.now();
    const timeline = jobTimeline(job, now);
    const workflow = workflowOf(job.metadata);
    const progress = progressOf(job.metadata);
    const snoozes = Number(job.metadata.snoozes ?? 0) || 0;
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
        field('attempted by', job.attemptedBy.join(', ') || '—'),
        snoozes ? field('snoozes', String(snoozes)) : null,
        progress ? field('progress', progress) : null,
        workflow ? field('workflow', h('span', { 'data-field': 'workflow' },
          h('a', { href: `#/workflows/${encodeURIComponent(workflow.id)}` }, workflow.name || workflow.id),
          ` · task ${workflow.task}`, workflow.deps.length ? ` · after ${workflow.deps.join(', ')}` : '')) : null),
      h('h3', null, 'Timeline'),
      h('div', { class: 'timeline-box' }, timelineSvg(timeline, now, Math.min(root.clientWidth || 820, 1400) - 4)),
      timelineList(job, timeline, now),
      'output' in job.metadata ? [h('h3', null, 'Output'), h('pre', { class: 'json', 'data-field': 'output' }, JSON.stringify(job.metadata.output, null, 2))] : null,
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
