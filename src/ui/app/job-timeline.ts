import type { Job } from './api.js';
import { h } from './dom.js';
import { clip, s } from './svg.js';
import { duration, type Timeline } from './timeline-model.js';

/** Attempts drawn at most (the last ones); a job may have failed hundreds of times. */
const MAX_ROWS = 50;
const RIGHT = 20;
const ROW = 26;

/**
 * The timeline as an SVG `width` px wide (the page's width, so that it is read without scrolling
 * on a phone too): one row of marks, one row per attempt, a time axis under them.
 */
export function timelineSvg(t: Timeline, now: number, width: number): SVGSVGElement {
  const W = Math.round(Math.max(width, 320));
  const LEFT = Math.round(Math.min(170, W * 0.3));
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
      s('text', { x: 4, y: y + 12, class: 'row-label' }, clip(`#${a.attempt} ${a.by ?? ''}`, Math.floor(LEFT / 7))),
      shape,
      s('text', after > W - 120 ? { x: Math.min(x(a.start ?? end), W) - 8, y: y + 12, 'text-anchor': 'end', class: 'bar-label' } : { x: after, y: y + 12, class: 'bar-label' }, label));
  });
  // Fewer ticks on a narrow page, so that their labels never overlap.
  const ticks = (W < 600 ? [0, 1] : [0, 0.25, 0.5, 0.75, 1]).map((f) => {
    const at = t.from + f * span;
    return s('g', { class: 'tick' },
      s('line', { x1: x(at), x2: x(at), y1: axisY, y2: axisY + 5 }),
      s('text', { x: x(at), y: axisY + 18, 'text-anchor': f === 0 ? 'start' : f === 1 ? 'end' : 'middle' }, f === 0 ? new Date(at).toLocaleTimeString() : `+${duration(at - t.from)}`));
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
