import type { Command } from 'commander';
import { assertQueueName } from '../admin/admin-input.js';
import type { QueueLimits, RecordedLimits } from '../admin/index.js';
import { formatTable } from './format.js';
import { databaseUrlOption, schemaOption, type DatabaseOptions } from './options.js';
import { asUsageError } from './usage-error.js';
import { withClient } from './with-client.js';

const partitionText = (p: { byArgs?: true | readonly string[]; byKind?: boolean } | undefined) =>
  p ? ` per ${[p.byKind ? 'kind' : '', p.byArgs === true ? 'args' : p.byArgs ? p.byArgs.join('+') : ''].filter(Boolean).join('+')}` : '';

/** A queue's limits in one line: `global 5, local 3 per customerId; 60 per 60000 ms`. */
export function limitsText({ concurrency, rateLimit }: Pick<RecordedLimits, 'concurrency' | 'rateLimit'>): string {
  const parts: string[] = [];
  if (concurrency) {
    const limits = [concurrency.globalLimit && `global ${concurrency.globalLimit}`, concurrency.localLimit && `local ${concurrency.localLimit}`].filter(Boolean);
    parts.push(`${limits.join(', ')}${partitionText(concurrency.partition)}`);
  }
  if (rateLimit) parts.push(`${rateLimit.limit} per ${rateLimit.period} ms${partitionText(rateLimit.partition)}`);
  return parts.join('; ');
}

async function show(name: string | undefined, opts: DatabaseOptions & { json?: boolean }): Promise<void> {
  try {
    if (name !== undefined) assertQueueName('queues limits', name);
  } catch (error) {
    throw asUsageError(error, { name: '' });
  }
  const queues: QueueLimits[] = await withClient(opts, (client) => client.queueLimits(name === undefined ? {} : { queue: name }));
  if (opts.json) {
    console.log(JSON.stringify({ queues }));
    return;
  }
  if (queues.length === 0) {
    console.log(name === undefined ? 'no limited queues: no client with concurrency or rate limits has worked a queue' : `queue ${name}: no limits recorded`);
    return;
  }
  const rows = queues.flatMap((q) => {
    const head = [q.queue, limitsText(q.limits), q.limits.clientId];
    if (q.partitions.length === 0) return [[...head, '-', '0', '0']];
    return q.partitions.map((p, i) => [...(i === 0 ? head : ['', '', '']), p.partition, String(p.running), String(p.startsInPeriod)]);
  });
  console.log(formatTable(['QUEUE', 'LIMITS', 'RECORDED BY', 'PARTITION', 'RUNNING', 'STARTS IN PERIOD'], rows, { right: [4, 5] }));
}

/** Adds `queues limits [name]` to the `queues` command. */
export function addQueueLimitsCommand(queues: Command): void {
  queues
    .command('limits')
    .argument('[name]', 'only this queue')
    .description('limited queues: their concurrency and rate limits, and jobs running and started in the rate window per partition')
    .option('--json', 'print one JSON object, { queues }, for scripts')
    .addOption(databaseUrlOption())
    .addOption(schemaOption())
    .action(show);
}
