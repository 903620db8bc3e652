import type { Job } from './api.js';
import { h } from './dom.js';
import { clip, s } from './svg.js';

/** One attempt of a job: when it ran, who ran it, how it ended. */
export interface TimelineAttempt {
  attempt: number;
  /** Start (ms), or null when not recorded: River's row keeps only the last attempt's start. */
  start: number | null;
  /** End (ms), or null while it runs. */
  end: number | null;
  by: string | null;
  /** `failed`, or the job's final state for its last attempt, or `running`. */
  outcome: string;
  error: string | null;
}

export interface TimelineMark {
  at: number;
  kind: 'created' | 'scheduled' | 'finalized' | 'error' | 'fetched';
  label: string;
}

export interface Timeline {
  from: number;
  to: number;
  marks: TimelineMark[];
  attempts: TimelineAttempt[];
}

const ms = (value: string | null | undefined) => (value ? new Date(value).getTime() : null);
const FINAL = ['completed', 'cancelled', 'discarded'];
/** Attempts drawn at most (the last ones); a job may have failed hundreds of times. */
const MAX_ROWS = 50;

/** A duration as people read it: 850 ms, 12.3 s, 4 min 10 s, 2 h 5 min, 3 d 4 h. */
export function duration(millis: number): string {
  if (millis < 1000) return `${Math.round(millis)} ms`;
  const sec = millis / 1000;
  if (sec < 60) return `${sec.toFixed(sec < 10 ? 2 : 1)} s`;
  const [big, small, unit, smallUnit, per] = sec < 3600 ? [sec / 60, sec % 60, 'min', 's', 60] : sec < 86_400 ? [sec / 3600, (sec % 3600) / 60, 'h', 'min', 60] : [sec / 86_400, (sec % 86_400) / 3600, 'd', 'h', 24];
  const rest = Math.floor(small) % per;
  return `${Math.floor(big)} ${unit}${rest ? ` ${rest} ${smallUnit}` : ''}`;
}

/**
 * A job's history from its row: created, scheduled, each attempt (from `errors`, plus the last
 * one from `attempted_at` and `finalized_at`), finalized. Who ran an attempt comes from its
 * error entry, or else from `attempted_by` when that list maps one to one onto attempts (no
 * snooze, none dropped past the last 100).
 */
export function jobTimeline(job: Job, now: number): Timeline {
  const created = ms(job.createdAt)!;
  const attemptedAt = ms(job.attemptedAt);
  const finalizedAt = ms(job.finalizedAt);
  const snoozes = Number(job.metadata.snoozes ?? 0) || 0;
  const byIndex = snoozes === 0 && job.attemptedBy.length === job.attempt;
  const marks: TimelineMark[] = [{ at: created, kind: 'created', label: 'created' }];
  const attempts: TimelineAttempt[] = [];
  for (const e of [...job.errors].sort((a, b) => a.at.localeCompare(b.at))) {
    const at = ms(e.at)!;
    if (!(e.attempt >= 1)) {
      marks.push({ at, kind: 'error', label: e.error });
      continue;
    }
    attempts.push({ attempt: e.attempt, start: ms(e.attemptedAt), end: at, by: e.attemptedBy ?? (byIndex ? job.attemptedBy[e.attempt - 1] ?? null : null), outcome: 'failed', error: e.error });
  }
  const lastBy = job.attemptedBy.at(-1) ?? null;
  if (job.attempt >= 1 && attemptedAt !== null) {
    const failedLast = attempts.find((a) => a.attempt === job.attempt && a.end! >= attemptedAt);
    if (failedLast) {
      failedLast.start ??= attemptedAt;
      failedLast.by ??= lastBy;
      if (FINAL.includes(job.state)) failedLast.outcome = job.state;
    } else if (job.state === 'running') {
      attempts.push({ attempt: job.attempt, start: attemptedAt, end: null, by: lastBy, outcome: 'running', error: null });
    } else if (finalizedAt !== null) {
      attempts.push({ attempt: job.attempt, start: attemptedAt, end: finalizedAt, by: lastBy, outcome: job.state, error: null });
    } else {
      // Fetched since its last recorded attempt, and given the attempt back: a snooze.
      marks.push({ at: attemptedAt, kind: 'fetched', label: `last fetched by ${lastBy ?? '?'}${snoozes ? ' (snoozed)' : ''}` });
    }
  }
  const scheduled = ms(job.scheduledAt)!;
  if (!FINAL.includes(job.state) && job.state !== 'running') marks.push({ at: scheduled, kind: 'scheduled', label: job.state === 'pending' ? 'scheduled (waits on its deps)' : 'runs next' });
  else if (scheduled > created + 1000 && (attempts[0]?.start ?? Infinity) >= scheduled) marks.push({ at: scheduled, kind: 'scheduled', label: 'scheduled' });
  if (finalizedAt !== null) marks.push({ at: finalizedAt, kind: 'finalized', label: job.state });
  const times = [...marks.map((m) => m.at), ...attempts.flatMap((a) => [a.start ?? a.end!, a.end ?? now])];
  const to = Math.max(...times, job.state === 'running' ? now : 0);
  return { from: Math.min(...times), to, marks: marks.sort((a, b) => a.at - b.at), attempts };
}

const W = 820;
const LEFT = 170;
const RIGHT = 20;
const ROW = 26;

/** The timeline as an SVG: one row of marks, one row per attempt, a time axis under them. */
export function timelineSvg(t: Timeline, now: number): SVGSVGElement {
  const span = Math.max(t.to - t.from, 1);
  const x = (at: number) => LEFT + ((at - t.from) / span) * (W - LEFT - RIGHT);
  const rows = t.attempts.slice(-MAX_ROWS);
  const height = ROW * (rows.length + 1) + 34;
  const axisY = ROW * (rows.length + 1) + 6;
  const marks = t.marks.map((m) => s('g', { class: `mark mark-${m.kind}`, 'data-mark': m.kind },
    s('title', null, `${m.label}: ${new Date(m.at).toISOString()}`),
    s('line', { x1: x(m.at), x2: x(m.at), y1: 4, y2: axisY, class: 'guide' }),
    s('circle', { cx: x(m.at), cy: ROW / 2, r: 5 })));
  const bars = rows.map((a, i) => {
    const y = ROW * (i + 1) + 5;
    const end = a.end ?? now;
    const took = a.start === null ? null : end - a.start;
    const label = took === null ? 'duration not recorded' : `${duration(took)}${a.end === null ? ' so far' : ''}`;
    const shape = a.start === null
      ? s('path', { d: `M${x(end)},${y} l6,8 l-6,8 l-6,-8 z`, class: `bar state-${a.outcome}` })
      : s('rect', { x: x(a.start), y, width: Math.max(x(end) - x(a.start), 3), height: ROW - 10, rx: 2, class: `bar state-${a.outcome}` });
    const after = x(end) + 8;
    return s('g', { class: 'attempt', 'data-attempt': a.attempt, 'data-outcome': a.outcome },
      s('title', null, `attempt ${a.attempt} by ${a.by ?? 'unknown'}: ${a.outcome}, ${label}${a.error ? `\n${a.error}` : ''}`),
      s('text', { x: 4, y: y + 12, class: 'row-label' }, clip(`#${a.attempt} ${a.by ?? ''}`, 24)),
      shape,
      s('text', after > W - 120 ? { x: Math.min(x(a.start ?? end), W) - 8, y: y + 12, 'text-anchor': 'end', class: 'bar-label' } : { x: after, y: y + 12, class: 'bar-label' }, label));
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const at = t.from + f * span;
    return s('g', { class: 'tick' },
      s('line', { x1: x(at), x2: x(at), y1: axisY, y2: axisY + 5 }),
      s('text', { x: x(at), y: axisY + 18, 'text-anchor': f === 0 ? 'start' : f === 1 ? 'end' : 'middle' }, f === 0 ? new Date(at).toLocaleString() : `+${duration(at - t.from)}`));
  });
  return s('svg', { class: 'timeline', viewBox: `0 0 ${W} ${height}`, width: W, height, role: 'img', 'aria-label': `timeline: ${rows.length} attempt(s)` },
    s('text', { x: 4, y: ROW / 2 + 4, class: 'row-label' }, 'job'),
    marks,
    bars,
    s('line', { x1: LEFT, x2: W - RIGHT, y1: axisY, y2: axisY, class: 'axis' }),
    ticks);
}

/** The same history as a list, oldest first, with what the drawing cannot say (snoozes, errors in full). */
export function timelineList(job: Job, t: Timeline, now: number): HTMLElement {
  const at = (when: number) => h('time', { datetime: new Date(when).toISOString() }, new Date(when).toISOString().replace('T', ' ').replace('Z', ' UTC'));
  const items: { when: number; node: HTMLElement }[] = t.marks.map((m) => ({ when: m.at, node: h('li', { 'data-mark': m.kind }, at(m.at), ' ', h('strong', null, m.kind === 'error' ? 'cancelled before it ran' : m.label), m.kind === 'error' ? `: ${m.label}` : '') }));
  for (const a of t.attempts) {
    const end = a.end ?? now;
    items.push({
      when: a.start ?? end,
      node: h('li', { 'data-attempt': a.attempt, class: `outcome-${a.outcome}` },
        at(a.start ?? end), ' ', h('strong', null, `attempt ${a.attempt}`), ` by ${a.by ?? 'an unrecorded client'}: `,
        h('span', { class: `state state-${a.outcome === 'failed' ? 'retryable' : a.outcome}` }, a.outcome),
        a.start === null ? ' (its start was not recorded)' : ` after ${duration(end - a.start)}${a.end === null ? ' so far' : ''}`,
        a.error ? h('div', { class: 'error' }, a.error) : null),
    });
  }
  const snoozes = Number(job.metadata.snoozes ?? 0) || 0;
  return h('ol', { class: 'timeline-list' },
    items.sort((a, b) => a.when - b.when).map((i) => i.node),
    snoozes ? h('li', { 'data-field': 'snoozes' }, h('strong', null, `snoozed ${snoozes} time${snoozes === 1 ? '' : 's'}`), ' (a snooze gives its attempt back; the row keeps only the count)') : null);
}
