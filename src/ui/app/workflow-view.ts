import { api, type Workflow } from './api.js';
import { h, replace, time } from './dom.js';
import { clip, s } from './svg.js';
import { workflowGraph, type GraphNode, type WorkflowGraph } from './workflow-graph.js';

/** States in the order a breakdown lists them: what needs a look first. */
const STATE_ORDER = ['discarded', 'cancelled', 'retryable', 'running', 'available', 'scheduled', 'pending', 'completed'];
const byStateOrder = (states: Record<string, number>) => Object.entries(states).sort(([a], [b]) => STATE_ORDER.indexOf(a) - STATE_ORDER.indexOf(b));
const count = (n: number) => n.toLocaleString('en-US');

function taskNode(node: GraphNode): SVGElement {
  const task = node.tasks[0]!;
  const { job } = task;
  return s('a', { href: `#/jobs/${job.id}`, class: `node state-${job.state}`, 'data-task': task.name, 'data-job-id': job.id, 'data-state': job.state },
    s('title', null, `${task.name} (${job.kind}): ${job.state}, attempt ${job.attempt} of ${job.maxAttempts}${job.error ? `\n${job.error}` : ''}`),
    s('rect', { x: node.x, y: node.y, width: node.width, height: node.height, rx: 6, class: 'box' }),
    s('text', { x: node.x + 10, y: node.y + 19, class: 'name' }, clip(task.name, 24)),
    s('text', { x: node.x + 10, y: node.y + 36, class: 'sub' }, clip(`${job.kind} · ${job.state}${job.attempt > 1 ? ` · ${job.attempt} attempts` : ''}`, 30)));
}

/** A group: its kind and size, and a bar of its states, each segment as wide as its share. */
function groupNode(node: GraphNode, onOpen: () => void): SVGElement {
  const first = node.tasks[0]!;
  const total = node.tasks.length;
  const barWidth = node.width - 20;
  let offset = 0;
  const segments = byStateOrder(node.states).map(([state, n]) => {
    const width = Math.max((n / total) * barWidth, 2);
    const segment = s('rect', { x: node.x + 10 + offset, y: node.y + 44, width, height: 8, class: `segment state-${state}`, 'data-state': state, 'data-count': n });
    offset += width;
    return segment;
  });
  const summary = byStateOrder(node.states).map(([state, n]) => `${count(n)} ${state}`).join(', ');
  const group = s('g', { class: 'node group', tabindex: 0, role: 'button', 'data-group': node.key, 'data-count': total, 'aria-label': `${count(total)} ${first.job.kind} tasks: ${summary}` },
    s('title', null, `${count(total)} tasks of kind ${first.job.kind} (${first.name} …): ${summary}`),
    s('rect', { x: node.x, y: node.y, width: node.width, height: node.height, rx: 6, class: 'box' }),
    s('text', { x: node.x + 10, y: node.y + 19, class: 'name' }, clip(`${first.job.kind} × ${count(total)}`, 26)),
    s('text', { x: node.x + 10, y: node.y + 36, class: 'sub' }, clip(summary, 32)),
    segments);
  group.addEventListener('click', onOpen);
  group.addEventListener('keydown', (event) => {
    if ((event as KeyboardEvent).key === 'Enter' || (event as KeyboardEvent).key === ' ') onOpen();
  });
  return group;
}

/** The SVG of a workflow: nodes coloured by state (CSS), arrows from each dependency to its dependents. */
function graphSvg(graph: WorkflowGraph, onOpenGroup: (node: GraphNode) => void): SVGSVGElement {
  const tasks = graph.nodes.reduce((n, node) => n + node.tasks.length, 0);
  const edges = graph.edges.map((e) => s('path', { class: 'edge', 'data-from': e.from, 'data-to': e.to, 'marker-end': 'url(#tributary-arrow)', d: `M${e.points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' L')}` }));
  return s('svg', { class: 'workflow-graph', width: Math.ceil(graph.width), height: Math.ceil(graph.height), viewBox: `0 0 ${Math.ceil(graph.width)} ${Math.ceil(graph.height)}`, role: 'img', 'aria-label': `graph of ${tasks} tasks` },
    s('defs', null, s('marker', { id: 'tributary-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }))),
    s('g', { class: 'edges' }, edges),
    s('g', { class: 'nodes' }, graph.nodes.map((node) => (node.tasks.length === 1 ? taskNode(node) : groupNode(node, () => onOpenGroup(node))))));
}

/** A group's tasks as a table, with each state linking to the jobs list of those tasks. */
function groupPanel(node: GraphNode): HTMLElement {
  const shown = node.tasks.slice(0, 200);
  const stateLinks = byStateOrder(node.states).map(([state, n]) => {
    const ids = node.tasks.filter((t) => t.job.state === state).map((t) => t.job.id);
    return h('a', { href: `#/jobs?state=${state}&id=${ids.join(',')}`, class: `state state-${state}`, 'data-state': state }, `${count(n)} ${state}`);
  });
  return h('section', { class: 'group-panel', 'data-group': node.key },
    h('h3', null, `${node.tasks[0]!.job.kind} × ${count(node.tasks.length)}`),
    h('p', { class: 'breakdown' }, ...stateLinks.flatMap((link) => [link, ' '])),
    h('div', { class: 'scroll' }, h('table', null,
      h('thead', null, h('tr', null, ...['task', 'job', 'state', 'attempt', 'last error'].map((t) => h('th', null, t)))),
      h('tbody', null, shown.map((t) => h('tr', { 'data-task': t.name },
        h('td', null, t.name),
        h('td', null, h('a', { href: `#/jobs/${t.job.id}` }, String(t.job.id))),
        h('td', null, h('span', { class: `state state-${t.job.state}` }, t.job.state)),
        h('td', null, `${t.job.attempt}/${t.job.maxAttempts}`),
        h('td', { class: 'args' }, t.job.error ?? '')))))),
    node.tasks.length > shown.length ? h('p', { class: 'empty' }, `Showing the first ${shown.length} of ${count(node.tasks.length)}; the state links above list them all.`) : null);
}

/** One workflow: its state and counts, and its tasks drawn as a graph of their dependencies. */
export async function workflowView(root: HTMLElement, id: string): Promise<() => Promise<void>> {
  const graphBox = h('div', { class: 'graph' });
  const panel = h('div');
  const head = h('div');
  let open: string | undefined;
  let graph: WorkflowGraph | undefined;
  async function render(): Promise<void> {
    const { workflow } = await api.workflow(id);
    const showGroup = (node: GraphNode) => {
      open = open === node.key ? undefined : node.key;
      replace(panel, open ? groupPanel(node) : null);
    };
    renderHead(head, workflow);
    // A live refresh where only states changed keeps the layout: dagre runs when the graph changes.
    graph = workflowGraph(workflow.tasks, graph);
    replace(graphBox, graphSvg(graph, showGroup));
    // Keep an open group's table up to date across live refreshes, scrolled where it was.
    const still = open ? graph.nodes.find((n) => n.key === open) : undefined;
    const scrolled = panel.querySelector('.scroll')?.scrollTop ?? 0;
    replace(panel, still ? groupPanel(still) : null);
    const list = panel.querySelector('.scroll');
    if (list) list.scrollTop = scrolled;
  }
  replace(root, head, graphBox, panel);
  await render();
  return render;
}

function renderHead(head: HTMLElement, workflow: Workflow): void {
  const started = workflow.tasks.reduce<string | null>((min, t) => (min === null || t.job.createdAt < min ? t.job.createdAt : min), null);
  replace(head,
    h('h2', null, `Workflow: ${workflow.name} `, h('span', { class: `state state-${workflow.state === 'failed' ? 'discarded' : workflow.state}`, 'data-field': 'state' }, workflow.state)),
    h('dl', { class: 'fields' },
      h('dt', null, 'id'), h('dd', null, h('code', null, workflow.id)),
      h('dt', null, 'created'), h('dd', null, time(started)),
      h('dt', null, 'tasks'), h('dd', { 'data-field': 'counts' }, `${count(workflow.tasks.length)}: `, byStateOrder(workflow.counts).map(([state, n]) => `${count(n)} ${state}`).join(', '))),
    h('p', { class: 'legend' }, ...STATE_ORDER.map((state) => h('span', { class: `state state-${state}` }, state)).flatMap((x) => [x, ' '])));
}
