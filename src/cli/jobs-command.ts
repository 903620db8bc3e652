import { Command, Option } from 'commander';
import type { Client } from '../client.js';
import { JobRunningError } from '../admin/index.js';
import { TributaryError } from '../errors.js';
import type { JobRow } from '../job-row.js';
import type { Priority } from '../insert/opts.js';
import { JOB_STATES, type JobState } from '../schema/job-state.js';
import { jobDetails, jobJson, jobTable } from './job-details.js';
import { databaseUrlOption, schemaOption, type DatabaseOptions } from './options.js';
import { collect, collectInts, positiveInt } from './parse.js';
import { asUsageError } from './usage-error.js';
import { forEachTarget, withClient } from './with-client.js';

interface ListOptions extends DatabaseOptions {
  state?: string[];
  kind?: string[];
  queue?: string[];
  priority?: number[];
  tag?: string[];
  id?: number[];
  limit?: number;
  cursor?: string;
  order?: 'asc' | 'desc';
  json?: boolean;
}

/** The jobList parameter each flag sets, to name flags in validation errors. */
const LIST_FLAGS = {
  states: '--state', kinds: '--kind', queues: '--queue', priorities: '--priority', tags: '--tag',
  ids: '--id', limit: '--limit', cursor: '--cursor', order: '--order',
};

async function list(opts: ListOptions): Promise<void> {
  const { jobs, nextCursor } = await withClient(opts, (client) =>
    client.jobList({
      states: opts.state as JobState[] | undefined,
      kinds: opts.kind,
      queues: opts.queue,
      priorities: opts.priority as Priority[] | undefined,
      tags: opts.tag,
      ids: opts.id,
      limit: opts.limit,
      cursor: opts.cursor,
      order: opts.order,
    }),
  ).catch((error: unknown) => {
    throw asUsageError(error, LIST_FLAGS);
  });
  if (opts.json) {
    console.log(`{"jobs":[${jobs.map((job) => jobJson(job)).join(',')}],"nextCursor":${JSON.stringify(nextCursor)}}`);
    return;
  }
  console.log(jobs.length > 0 ? jobTable(jobs) : 'no jobs match');
  if (nextCursor) console.log(`more jobs: run again with --cursor ${nextCursor}`);
}

async function get(id: number, opts: DatabaseOptions & { json?: boolean; trace?: boolean }): Promise<void> {
  const job = await withClient(opts, (client) => client.jobGet(id));
  if (!job) throw new TributaryError(`job ${id} not found`);
  console.log(opts.json ? jobJson(job, 2) : jobDetails(job, { trace: opts.trace }));
}

/** What an action does to one job, and how its result reads. */
interface JobAction {
  description: string;
  run(client: Client, id: number): Promise<JobRow>;
  result(job: JobRow): string;
}

const ACTIONS: Record<'retry' | 'cancel' | 'delete', JobAction> = {
  retry: {
    description: 'make jobs available to run now (maxAttempts raised if they were used up); a running job is left as it is',
    run: (client, id) => client.jobRetry(id),
    result: (job) => (job.state === 'running' ? 'running; left unchanged' : `retried (${job.state})`),
  },
  cancel: {
    description: 'cancel jobs; a running job is asked to stop (its signal aborts) and ends cancelled',
    run: (client, id) => client.jobCancel(id),
    result: (job) =>
      job.state === 'cancelled'
        ? 'cancelled'
        : job.state === 'running'
          ? 'cancel requested; it is running and ends cancelled once its worker stops'
          : `already ${job.state}; left unchanged`,
  },
  delete: {
    description: 'delete jobs that are not running (cancel a running job first)',
    run: (client, id) => client.jobDelete(id),
    result: (job) => `deleted (was ${job.state})`,
  },
};

/** Runs an action on each id in turn: one line per id; exit code 1 if any failed. */
async function act(action: JobAction, ids: number[], opts: DatabaseOptions): Promise<void> {
  await forEachTarget(opts, ids, async (client, id) => `job ${id}: ${action.result(await action.run(client, id))}`,
    (error, id) => (error instanceof JobRunningError ? runningMessage(id) : error.message));
}

const runningMessage = (id: number) => `job ${id} is running and cannot be deleted: cancel it (tributary jobs cancel ${id}), then delete it once it has stopped`;

const idArgument = (command: Command, variadic: boolean) =>
  command.argument(variadic ? '<id...>' : '<id>', variadic ? 'job ids' : 'job id', variadic ? collectInts : positiveInt);

/** `tributary jobs list|get|retry|cancel|delete`. */
export function jobsCommand(): Command {
  const jobs = new Command('jobs').description('list, inspect, retry, cancel and delete jobs');
  jobs
    .command('list')
    .description('list jobs, oldest first; every filter given must hold (each takes several values, repeated or comma-separated)')
    .addOption(new Option('--state <states>', `jobs in any of these states (${JOB_STATES.join(', ')})`).argParser(collect))
    .addOption(new Option('--kind <kinds>', 'jobs of any of these kinds').argParser(collect))
    .addOption(new Option('--queue <queues>', 'jobs in any of these queues').argParser(collect))
    .addOption(new Option('--priority <priorities>', 'jobs with any of these priorities (1 to 4)').argParser(collectInts))
    .addOption(new Option('--tag <tags>', 'jobs carrying all of these tags').argParser(collect))
    .addOption(new Option('--id <ids>', 'jobs with any of these ids').argParser(collectInts))
    .addOption(new Option('--limit <n>', 'jobs per page, at most 10000 (default: 100)').argParser(positiveInt))
    .addOption(new Option('--cursor <cursor>', 'the next page, as printed at the end of the previous one'))
    .addOption(new Option('--order <order>', 'by id, ascending or descending (default: asc)').choices(['asc', 'desc']))
    .option('--json', 'print one JSON object, { jobs, nextCursor }, for scripts')
    .addOption(databaseUrlOption())
    .addOption(schemaOption())
    .action(list);
  idArgument(jobs.command('get'), false)
    .description('show one job: every field, its args and metadata, and its errors')
    .option('--json', 'print the job as JSON, error traces included')
    .option('--trace', "print each error's stack trace")
    .addOption(databaseUrlOption())
    .addOption(schemaOption())
    .action(get);
  for (const [name, action] of Object.entries(ACTIONS)) {
    idArgument(jobs.command(name), true)
      .description(`${action.description}; exit code 1 if any id failed`)
      .addOption(databaseUrlOption())
      .addOption(schemaOption())
      .action((ids: number[], opts: DatabaseOptions) => act(action, ids, opts));
  }
  return jobs;
}
