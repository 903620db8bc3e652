import { Command } from 'commander';
import type { WorkflowView } from '../admin/index.js';
import { formatTable } from './format.js';
import { databaseUrlOption, schemaOption, type DatabaseOptions } from './options.js';
import { asUsageError } from './usage-error.js';
import { forEachTarget, withClient } from './with-client.js';

const counts = (view: WorkflowView) => Object.entries(view.counts).map(([state, n]) => `${n} ${state}`).join(', ');

function printWorkflow(view: WorkflowView): void {
  console.log(`workflow ${view.id} (${JSON.stringify(view.name)}): ${view.state}; ${view.tasks.length} task(s): ${counts(view)}`);
  const rows = view.tasks.map(({ name, deps, ignoreDependencyFailure, job }) => [
    name, String(job.id), job.kind, job.state, String(job.attempt),
    deps.length === 0 ? '-' : `${deps.join(', ')}${ignoreDependencyFailure ? ' (ignoring failures)' : ''}`,
    job.errors.at(-1)?.error ?? '',
  ]);
  console.log(formatTable(['TASK', 'ID', 'KIND', 'STATE', 'ATTEMPT', 'DEPS', 'LAST ERROR'], rows, { right: [1, 4] }));
}

async function get(id: string, opts: DatabaseOptions & { json?: boolean }): Promise<void> {
  const workflow = await withClient(opts, (client) => client.workflowGet(id).catch((error: unknown) => {
    throw asUsageError(error, { id: '<id>' });
  }));
  if (opts.json) return console.log(JSON.stringify({ workflow: workflow ?? null }));
  if (!workflow) {
    console.error(`tributary: workflow ${JSON.stringify(id)} not found: it has no task`);
    process.exitCode = 1;
    return;
  }
  printWorkflow(workflow);
}

/** Retries or cancels each workflow named: one line each; exit code 1 if any is unknown. */
function act(action: 'retry' | 'cancel') {
  return (ids: string[], opts: DatabaseOptions) => forEachTarget(opts, ids, async (client, id) => {
    const { changed, waiting, workflow } = action === 'retry' ? await client.workflowRetry(id) : await client.workflowCancel(id);
    const did = action === 'retry' ? `${changed} task(s) retried, ${waiting} waiting again` : `${changed} task(s) cancelled, ${waiting} running asked to stop`;
    return `workflow ${id}: ${did}; ${workflow.state}, ${counts(workflow)}`;
  });
}

/** `tributary workflows get|retry|cancel`. */
export function workflowsCommand(): Command {
  const workflows = new Command('workflows').description("show a workflow's tasks; retry or cancel workflows");
  workflows
    .command('get')
    .argument('<id>', 'a workflow id, as wf.insert() returned it (metadata["tributary:workflow"].id of its tasks)')
    .description('a workflow and its tasks in insert order: state, attempt, deps and last error; exit code 1 when it has no task')
    .option('--json', 'print one JSON object, { workflow }, for scripts')
    .addOption(databaseUrlOption())
    .addOption(schemaOption())
    .action(get);
  workflows
    .command('retry')
    .argument('<id...>', 'workflow ids')
    .description('run the failed tasks of workflows again; the tasks cancelled on their account wait again')
    .addOption(databaseUrlOption())
    .addOption(schemaOption())
    .action(act('retry'));
  workflows
    .command('cancel')
    .argument('<id...>', 'workflow ids')
    .description('cancel every unfinished task of workflows (running ones are asked to stop)')
    .addOption(databaseUrlOption())
    .addOption(schemaOption())
    .action(act('cancel'));
  return workflows;
}
