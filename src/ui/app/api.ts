import type { WorkflowTask } from './workflow-graph.js';

/** The JSON API of the UI's server, mounted under the page's base path. */
const base = document.querySelector<HTMLMetaElement>('meta[name="tributary-base"]')?.content ?? '';

export interface Job {
  id: number;
  state: string;
  attempt: number;
  maxAttempts: number;
  attemptedAt: string | null;
  createdAt: string;
  finalizedAt: string | null;
  scheduledAt: string;
  priority: number;
  args: unknown;
  attemptedBy: string[];
  /** `attemptedAt`, `attemptedBy`: when the failed attempt started and who ran it, where the client recorded it. */
  errors: { at: string; attempt: number; error: string; trace: string; attemptedAt?: string; attemptedBy?: string }[];
  kind: string;
  metadata: Record<string, unknown>;
  queue: string;
  tags: string[];
}

export interface Settings {
  readOnly: boolean;
  hideArgs: boolean;
}

export interface StateCount {
  state: string;
  count: number;
  /** True when `count` is a lower bound: counting further would be slow. */
  atLeast: boolean;
}

export interface Queue {
  name: string;
  pausedAt: string | null;
  updatedAt: string;
  counts: Record<string, number>;
  /** States whose count stopped at the server's cap: show them as "n+". */
  atLeast: string[];
}

/** A limited queue's recorded limits and use per partition (the client's `queueLimits`). */
export interface QueueLimits {
  queue: string;
  limits: {
    concurrency: { globalLimit?: number; localLimit?: number; partition?: LimitPartition } | null;
    rateLimit: { limit: number; period: number; partition?: LimitPartition } | null;
    clientId: string;
    at: string;
  };
  partitions: { partition: string; running: number; startsInPeriod: number; windowFreesAt: string | null }[];
}

export interface LimitPartition {
  byArgs?: true | string[];
  byKind?: boolean;
}

export interface PeriodicJob {
  id: string;
  kind: string;
  schedule: string;
  runOnStart: boolean;
  nextRunAt: string | null;
}

export interface Sequence {
  key: string;
  kind: string;
  status: 'running' | 'halted' | 'waiting';
  current: { id: number; state: string } | null;
  haltedBy: { id: number; state: string } | null;
  pending: number;
  nextId: number | null;
}

/** GET /api/dashboard: per-minute series, each aligned with `at` (epoch seconds). */
export interface Dashboard {
  range: 'hour' | 'day';
  queue: string | null;
  /** Queues with samples in the range. */
  queues: string[];
  series: {
    at: number[];
    completed: number[];
    failed: number[];
    discarded: number[];
    available: (number | null)[];
    scheduled: (number | null)[];
    running: (number | null)[];
    retryable: (number | null)[];
  };
}

/** A job of a sequence in run order, with its part in it (the client's `sequenceJobs`). */
export interface SequenceJobEntry {
  id: number;
  state: string;
  role: 'done' | 'current' | 'halting' | 'skipped' | 'waiting';
  attempt: number;
  maxAttempts: number;
  createdAt: string;
  scheduledAt: string;
  attemptedAt: string | null;
  finalizedAt: string | null;
  error: string | null;
}

/** A workflow as GET /api/workflows/:id sends it. */
export interface Workflow {
  id: string;
  name: string;
  state: 'running' | 'completed' | 'failed';
  counts: Record<string, number>;
  tasks: WorkflowTask[];
}

export interface ActionResult {
  id: number;
  ok: boolean;
  error?: string;
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${base}/api/${path}`, { credentials: 'same-origin', ...init });
  const body = await response.json().catch(() => ({ error: `${response.status} ${response.statusText}` }));
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
  return body as T;
}

const post = <T>(path: string, body: unknown) =>
  call<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export const api = {
  settings: () => call<Settings>('settings'),
  states: () => call<{ states: StateCount[] }>('states'),
  jobs: (query: URLSearchParams) => call<{ jobs: Job[]; nextCursor: string | null }>(`jobs?${query}`),
  job: (id: number) => call<{ job: Job }>(`jobs/${id}`),
  jobAction: (action: 'retry' | 'cancel' | 'delete', ids: number[]) => post<{ results: ActionResult[] }>(`jobs/${action}`, { ids }),
  queues: () => call<{ queues: Queue[] }>('queues'),
  queueAction: (action: 'pause' | 'resume', queue: string) => post<{ ok: true }>(`queues/${action}`, { queue }),
  sequences: (halted: boolean) => call<{ sequences: Sequence[]; nextAfter: string | null }>(`sequences${halted ? '?halted=true' : ''}`),
  sequence: (key: string) => call<{ sequence: Sequence | null; jobs: SequenceJobEntry[]; perRole: number }>(`sequence?${new URLSearchParams({ key })}`),
  sequenceResume: (key: string) => post<{ skipped: number[] }>('sequences/resume', { key }),
  queueLimits: () => call<{ queues: QueueLimits[] }>('queue-limits'),
  workflow: (id: string) => call<{ workflow: Workflow }>(`workflows/${encodeURIComponent(id)}`),
  periodic: () => call<{ periodicJobs: PeriodicJob[] }>('periodic-jobs'),
  dashboard: (range: 'hour' | 'day', queue?: string) => call<Dashboard>(`dashboard?${new URLSearchParams({ range, ...(queue ? { queue } : {}) })}`),
};
