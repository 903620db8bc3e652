import { Graph, layout } from '@dagrejs/dagre';

/** A task as GET /api/workflows/:id sends it. */
export interface WorkflowTask {
  name: string;
  deps: string[];
  ignoreDependencyFailure: boolean;
  job: {
    id: number; kind: string; state: string; queue: string; attempt: number; maxAttempts: number;
    createdAt: string; attemptedAt: string | null; finalizedAt: string | null; error: string | null;
  };
}

/** One box of the drawing: a task, or a group of sibling tasks drawn as one. */
export interface GraphNode {
  /** The task's name, or `group:` and its first task's name. */
  key: string;
  tasks: WorkflowTask[];
  /** How many of its tasks are in each state. */
  states: Record<string, number>;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  points: { x: number; y: number }[];
}

export interface WorkflowGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  width: number;
  height: number;
  /** The nodes and edges as one string: equal for two graphs that are drawn the same but for states. */
  shape: string;
}

/**
 * Siblings this many or more are drawn as one node: tasks of one kind with the same deps and the
 * same dependents, such as a fan-out's 1,000 children. Fewer are drawn one by one.
 */
export const GROUP_MIN = 6;
const TASK_SIZE = { width: 190, height: 46 };
const GROUP_SIZE = { width: 210, height: 62 };

/**
 * Groups the tasks and lays them out left to right with dagre. Grouping only tasks that share
 * both their deps and their dependents keeps every edge exact: an edge into or out of a group
 * holds for each of its tasks. Deps on tasks no longer stored (removed by the cleaner) draw no
 * edge. Given the `previous` graph of the same shape (a live refresh where only states changed),
 * its layout is kept rather than computed again.
 */
export function workflowGraph(tasks: readonly WorkflowTask[], previous?: WorkflowGraph): WorkflowGraph {
  const byName = new Map(tasks.map((task) => [task.name, task]));
  const dependents = new Map<string, string[]>();
  for (const task of tasks) for (const dep of task.deps) if (byName.has(dep)) (dependents.get(dep) ?? dependents.set(dep, []).get(dep)!).push(task.name);
  const siblings = new Map<string, WorkflowTask[]>();
  for (const task of tasks) {
    const key = JSON.stringify([task.job.kind, [...task.deps].sort(), (dependents.get(task.name) ?? []).sort()]);
    (siblings.get(key) ?? siblings.set(key, []).get(key)!).push(task);
  }
  const nodeOf = new Map<string, string>();
  const nodes = new Map<string, GraphNode>();
  for (const members of siblings.values()) {
    const groups = members.length >= GROUP_MIN ? [members] : members.map((task) => [task]);
    for (const group of groups) {
      const key = group.length === 1 ? group[0]!.name : `group:${group[0]!.name}`;
      const states: Record<string, number> = {};
      for (const task of group) {
        states[task.job.state] = (states[task.job.state] ?? 0) + 1;
        nodeOf.set(task.name, key);
      }
      nodes.set(key, { key, tasks: group, states, x: 0, y: 0, ...(group.length === 1 ? TASK_SIZE : GROUP_SIZE) });
    }
  }
  const order = [...new Set(tasks.map((task) => nodeOf.get(task.name)!))];
  const links = new Set<string>();
  for (const task of tasks) for (const dep of task.deps) if (nodeOf.has(dep)) links.add(JSON.stringify([nodeOf.get(dep), nodeOf.get(task.name)]));
  const shape = JSON.stringify([order.map((key) => [key, nodes.get(key)!.tasks.length]), [...links]]);
  if (previous?.shape === shape) {
    for (const old of previous.nodes) Object.assign(nodes.get(old.key)!, { x: old.x, y: old.y });
    return { ...previous, nodes: order.map((key) => nodes.get(key)!) };
  }
  const g = new Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 60, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  // In insert order, so dagre's ordering (and so the drawing) is the same for the same tasks.
  for (const key of order) g.setNode(key, { width: nodes.get(key)!.width, height: nodes.get(key)!.height });
  for (const link of links) {
    const [from, to] = JSON.parse(link) as [string, string];
    g.setEdge(from, to);
  }
  layout(g);
  for (const key of order) {
    const placed = g.node(key) as { x: number; y: number };
    const node = nodes.get(key)!;
    node.x = placed.x - node.width / 2;
    node.y = placed.y - node.height / 2;
  }
  const edges = g.edges().map((e: { v: string; w: string }) => ({ from: e.v, to: e.w, points: (g.edge(e) as { points: { x: number; y: number }[] }).points }));
  const size = g.graph() as { width?: number; height?: number };
  return { nodes: order.map((key) => nodes.get(key)!), edges, width: size.width ?? 0, height: size.height ?? 0, shape };
}
