import { describe, expect, test } from 'vitest';
import { duration, jobTimeline, type TimelineJob } from '../../src/ui/app/timeline-model.js';
import { GROUP_MIN, workflowGraph, type WorkflowTask } from '../../src/ui/app/workflow-graph.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();
const job = (over: Partial<TimelineJob>): TimelineJob => ({
  state: 'available', attempt: 0, attemptedAt: null, createdAt: iso(0), finalizedAt: null, scheduledAt: iso(0), attemptedBy: [], errors: [], metadata: {}, ...over,
});

describe('a job\'s timeline from its row', () => {
  test('each failed attempt from its error entry, the last from attempted_at and finalized_at', () => {
    const t = jobTimeline(job({
      state: 'completed', attempt: 3, attemptedAt: iso(20_000), finalizedAt: iso(20_500), attemptedBy: ['a', 'b', 'c'],
      errors: [
        { at: iso(1_200), attempt: 1, error: 'one', attemptedAt: iso(1_000), attemptedBy: 'a' },
        { at: iso(5_000), attempt: 2, error: 'two' },
      ],
    }), T0 + 60_000);
    expect(t.attempts).toEqual([
      { attempt: 1, start: T0 + 1_000, end: T0 + 1_200, by: 'a', outcome: 'failed', error: 'one' },
      // Written by a client that records no start: its duration is unknown; who ran it is known, attempted_by mapping one to one.
      { attempt: 2, start: null, end: T0 + 5_000, by: 'b', outcome: 'failed', error: 'two' },
      { attempt: 3, start: T0 + 20_000, end: T0 + 20_500, by: 'c', outcome: 'completed', error: null },
    ]);
    expect(t.marks.map((m) => m.kind)).toEqual(['created', 'finalized']);
    expect([t.from, t.to]).toEqual([T0, T0 + 20_500]);
  });

  test('a snooze: attempted_by no longer maps onto attempts, and the snoozed fetch is a mark; a running job ends now', () => {
    const snoozed = jobTimeline(job({
      state: 'scheduled', attempt: 1, attemptedAt: iso(9_000), scheduledAt: iso(70_000), attemptedBy: ['a', 'b'], metadata: { snoozes: 1 },
      errors: [{ at: iso(2_000), attempt: 1, error: 'x' }],
    }), T0 + 10_000);
    expect(snoozed.attempts).toEqual([{ attempt: 1, start: null, end: T0 + 2_000, by: null, outcome: 'failed', error: 'x' }]);
    expect(snoozed.marks.map((m) => [m.kind, m.label])).toEqual([['created', 'created'], ['fetched', 'last fetched by b (snoozed)'], ['scheduled', 'runs next']]);

    const running = jobTimeline(job({ state: 'running', attempt: 1, attemptedAt: iso(1_000), attemptedBy: ['a'] }), T0 + 4_000);
    expect(running.attempts).toEqual([{ attempt: 1, start: T0 + 1_000, end: null, by: 'a', outcome: 'running', error: null }]);
    expect(running.to).toBe(T0 + 4_000);
  });

  test('a task cancelled before it ran: its error (attempt 0) is a mark, not an attempt', () => {
    const t = jobTimeline(job({ state: 'cancelled', finalizedAt: iso(3_000), errors: [{ at: iso(3_000), attempt: 0, error: 'dependency a ended discarded' }] }), T0 + 9_000);
    expect(t.attempts).toEqual([]);
    expect(t.marks.map((m) => m.kind)).toEqual(['created', 'error', 'finalized']);
  });

  test('durations as people read them', () => {
    expect([850, 1_234, 75_000, 2 * 3_600_000 + 300_000, 3 * 86_400_000 + 4 * 3_600_000].map(duration)).toEqual(['850 ms', '1.23 s', '1 min 15 s', '2 h 5 min', '3 d 4 h']);
  });
});

const task = (name: string, deps: string[] = [], kind = 'k', state = 'completed'): WorkflowTask => ({
  name, deps, ignoreDependencyFailure: false,
  job: { id: name.length, kind, state, queue: 'default', attempt: 1, maxAttempts: 25, createdAt: iso(0), attemptedAt: null, finalizedAt: null, error: null },
});

describe('the workflow graph', () => {
  test(`siblings of one kind with the same deps and dependents are one node from ${GROUP_MIN} on; every edge stays exact`, () => {
    const few = Array.from({ length: GROUP_MIN - 1 }, (_, i) => task(`few-${i}`, ['root']));
    const many = Array.from({ length: GROUP_MIN }, (_, i) => task(`many-${i}`, ['root'], 'other', i === 0 ? 'discarded' : 'completed'));
    // Same kind and deps as the first of `many`, but a dependent of its own: drawn alone.
    const odd = task('odd', ['root'], 'other');
    const graph = workflowGraph([task('root'), ...few, ...many, odd, task('after-odd', ['odd']), task('gone-dep', ['cleaned-away'])]);
    expect(graph.nodes.map((n) => [n.key, n.tasks.length])).toEqual([
      ['root', 1], ...few.map((f) => [f.name, 1]), ['group:many-0', GROUP_MIN], ['odd', 1], ['after-odd', 1], ['gone-dep', 1],
    ]);
    expect(graph.nodes.find((n) => n.key === 'group:many-0')!.states).toEqual({ discarded: 1, completed: GROUP_MIN - 1 });
    expect(graph.edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual(
      [...few.map((f) => `root->${f.name}`), 'root->group:many-0', 'root->odd', 'odd->after-odd'].sort());
    // Laid out left to right: each dependency ends before its dependent starts.
    const at = new Map(graph.nodes.map((n) => [n.key, n]));
    for (const e of graph.edges) expect(at.get(e.from)!.x + at.get(e.from)!.width).toBeLessThan(at.get(e.to)!.x);
  });

  test('a refresh where only states changed keeps the layout; a new task lays it out again', () => {
    const tasks = [task('a'), task('b', ['a'], 'k', 'pending')];
    const first = workflowGraph(tasks);
    const moved = { ...first, nodes: first.nodes.map((n) => ({ ...n, x: n.x + 1000 })) };
    const same = workflowGraph([task('a'), task('b', ['a'], 'k', 'completed')], moved);
    expect(same.nodes.map((n) => [n.key, n.x, n.states])).toEqual([['a', first.nodes[0]!.x + 1000, { completed: 1 }], ['b', first.nodes[1]!.x + 1000, { completed: 1 }]]);
    const grown = workflowGraph([...tasks, task('c', ['b'])], moved);
    expect(grown.nodes.map((n) => [n.key, n.x])).toEqual([['a', first.nodes[0]!.x], ['b', first.nodes[1]!.x], ['c', expect.any(Number)]]);
  });
});
