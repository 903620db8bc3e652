import { Command } from 'commander';
import { assertQueueName } from '../admin/admin-input.js';
import { QUEUE_LIST_MAX_LIMIT, type QueueRow, type QueueStats } from '../admin/index.js';
import type { Client } from '../client.js';
import { formatTable, formatTime } from './format.js';
import { databaseUrlOption, schemaOption, type DatabaseOptions } from './options.js';
import { asUsageError } from './usage-error.js';
import { forEachTarget, withClient } from './with-client.js';
import { addQueueLimitsCommand } from './queue-limits-command.js';

const COUNTS = ['available', 'scheduled', 'running', 'retryable', 'completed', 'cancelled', 'discarded', 'pending'] as const;

/** A queue as `queues list` shows it: its job counts, and its `river_queue` row if it has one. */
interface QueueSummary extends QueueStats {
  pausedAt: Date | null;
  /** Last refreshed by a client working it; null for a queue with jobs but no row. */
  updatedAt: Date | null;
}

async function summaries(client: Client): Promise<QueueSummary[]> {
  const [stats, rows] = await Promise.all([client.queueStats(), client.queueList({ limit: QUEUE_LIST_MAX_LIMIT })]);
  const byName = new Map<string, QueueRow>(rows.map((r) => [r.name, r]));
  return stats.map((s) => ({ ...s, pausedAt: byName.get(s.queue)?.pausedAt ?? null, updatedAt: byName.get(s.queue)?.updatedAt ?? null }));
}

async function list(opts: DatabaseOptions & { json?: boolean }): Promise<void> {
  const queues = await withClient(opts, summaries);
  if (opts.json) {
    console.log(JSON.stringify({ queues }));
    return;
  }
  if (queues.length === 0) {
    console.log('no queues: none has jobs, and no client has worked one');
    return;
  }
  const rows = queues.map((q) => [q.queue, q.paused ? `since ${formatTime(q.pausedAt)}` : 'no', ...COUNTS.map((c) => String(q[c])), formatTime(q.updatedAt)]);
  const headers = ['QUEUE', 'PAUSED', ...COUNTS.map((c) => c.toUpperCase()), 'LAST SEEN'];
  console.log(formatTable(headers, rows, { right: COUNTS.map((_, i) => i + 2) }));
}

/** Pauses or resumes each queue named: one line each; exit code 1 if any is unknown. */
async function setPaused(pause: boolean, names: string[], opts: DatabaseOptions): Promise<void> {
  // Every name checked before any queue changes.
  try {
    for (const name of names) assertQueueName(pause ? 'queuePause' : 'queueResume', name, { allowAll: true });
  } catch (error) {
    throw asUsageError(error, { name: '' });
  }
  await forEachTarget(opts, names, async (client, name) => {
    await (pause ? client.queuePause(name) : client.queueResume(name));
    return `${name === '*' ? 'every queue' : `queue ${name}`}: ${pause ? 'paused' : 'resumed'}`;
  });
}

/** `tributary queues list|pause|resume`. */
export function queuesCommand(): Command {
  const queues = new Command('queues').description('list queues with their job counts; pause and resume them; show their limits');
  queues
    .command('list')
    .description('every queue that has jobs or a river_queue row: whether it is paused, and its jobs by state')
    .option('--json', 'print one JSON object, { queues }, for scripts')
    .addOption(databaseUrlOption())
    .addOption(schemaOption())
    .action(list);
  for (const pause of [true, false]) {
    queues
      .command(pause ? 'pause' : 'resume')
      .argument('<name...>', "queue names, or '*' (quoted) for every queue")
      .description(
        pause
          ? 'pause queues in every client working them (and in clients started later): running jobs finish, no more are fetched'
          : 'resume paused queues',
      )
      .addOption(databaseUrlOption())
      .addOption(schemaOption())
      .action((names: string[], opts: DatabaseOptions) => setPaused(pause, names, opts));
  }
  addQueueLimitsCommand(queues);
  return queues;
}
