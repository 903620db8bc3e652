import { Hono } from 'hono';
import type { Client } from '../client.js';
import { NotFoundError } from '../admin/admin-errors.js';
import type { WorkflowTask } from '../admin/workflow-admin.js';

/** Longest workflow id the API looks up: Tributary's are UUIDs (36 characters). */
const MAX_WORKFLOW_ID_LENGTH = 200;
// Control characters (NUL above all) cannot be stored in a text column, so no workflow has one.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * A task as the graph needs it: its place in the workflow and its job's state, without args or
 * traces, so a workflow of thousands of tasks stays a small response (and `hideArgs` has nothing
 * to hide here).
 */
function slimTask({ name, deps, ignoreDependencyFailure, job }: WorkflowTask) {
  const last = job.errors.at(-1);
  return {
    name,
    deps,
    ignoreDependencyFailure,
    job: {
      id: job.id, kind: job.kind, state: job.state, queue: job.queue, attempt: job.attempt, maxAttempts: job.maxAttempts,
      createdAt: job.createdAt, attemptedAt: job.attemptedAt, finalizedAt: job.finalizedAt,
      error: last ? last.error : null,
    },
  };
}

/** The UI's workflow routes: one workflow with its tasks and their dependencies. */
export function workflowRoutes(client: Client): Hono {
  const api = new Hono();
  api.get('/workflows/:id', async (c) => {
    const id = c.req.param('id');
    if (id.length > MAX_WORKFLOW_ID_LENGTH || CONTROL.test(id)) {
      return c.json({ error: `id: must be a workflow id (1 to ${MAX_WORKFLOW_ID_LENGTH} characters, no control characters), got ${JSON.stringify(id.slice(0, 60))}${id.length > 60 ? '…' : ''}` }, 400);
    }
    const workflow = await client.workflowGet(id);
    if (!workflow) return c.json({ error: new NotFoundError('workflow', id).message }, 404);
    return c.json({ workflow: { ...workflow, tasks: workflow.tasks.map(slimTask) } });
  });
  return api;
}
