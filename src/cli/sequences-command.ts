import { Command, InvalidArgumentError } from 'commander';
import type { Sequence } from '../admin/index.js';
import { formatTable } from './format.js';
import { databaseUrlOption, schemaOption, type DatabaseOptions } from './options.js';
import { asUsageError } from './usage-error.js';
import { forEachTarget, withClient } from './with-client.js';

const job = (j: Sequence['current']) => (j ? `${j.id} (${j.state})` : '-');

function printTable(sequences: readonly Sequence[]): void {
  const rows = sequences.map((s) => [s.key, s.status, job(s.current), job(s.haltedBy), String(s.pending), s.nextId === null ? '-' : String(s.nextId)]);
  console.log(formatTable(['KEY', 'STATUS', 'CURRENT', 'HALTED BY', 'PENDING', 'NEXT'], rows, { right: [4, 5] }));
}

const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

async function list(opts: DatabaseOptions & { json?: boolean; halted?: boolean; kind?: string; after?: string; limit?: number }): Promise<void> {
  const sequences = await withClient(opts, (client) =>
    client.sequenceList({ halted: opts.halted, kind: opts.kind, after: opts.after, limit: opts.limit }).catch((error: unknown) => {
      throw asUsageError(error, { after: '--after', limit: '--limit', kind: '--kind' });
    }));
  if (opts.json) return console.log(JSON.stringify({ sequences }));
  if (sequences.length === 0) return console.log(opts.halted ? 'no halted sequences' : 'no sequences: no sequenced job is waiting, running or halted');
  printTable(sequences);
}

async function get(key: string, opts: DatabaseOptions & { json?: boolean }): Promise<void> {
  const sequence = await withClient(opts, (client) => client.sequenceGet(key).catch((error: unknown) => {
    throw asUsageError(error, { key: '<key>' });
  }));
  if (opts.json) return console.log(JSON.stringify({ sequence: sequence ?? null }));
  if (!sequence) {
    console.error(`tributary: sequence ${JSON.stringify(key)} not found: none of its jobs is waiting, running or halting it`);
    process.exitCode = 1;
    return;
  }
  printTable([sequence]);
}

/** Resumes each sequence named: one line each; exit code 1 if any is unknown. */
async function resume(keys: string[], opts: DatabaseOptions): Promise<void> {
  await forEachTarget(opts, keys, async (client, key) => {
    const { skipped, sequence } = await client.sequenceResume(key);
    const past = skipped.length === 0 ? 'was not halted' : `resumed past job${skipped.length > 1 ? 's' : ''} ${skipped.join(', ')}`;
    return `sequence ${key}: ${past}${sequence ? `; ${sequence.status}, ${sequence.pending} pending` : '; nothing left to run'}`;
  });
}

/** `tributary sequences list|get|resume`. */
export function sequencesCommand(): Command {
  const sequences = new Command('sequences').description('list sequences with where each stands; resume halted ones');
  sequences
    .command('list')
    .description('sequences with a job waiting, running or halting them, in key order: status, current job, halting job, pending count, next job')
    .option('--halted', 'only halted sequences')
    .option('--kind <kind>', 'only sequences of this job kind')
    .option('--after <key>', 'only keys after this one (the last key of the previous page)')
    .option('--limit <n>', 'at most this many (default 100)', positive)
    .option('--json', 'print one JSON object, { sequences }, for scripts')
    .addOption(databaseUrlOption())
    .addOption(schemaOption())
    .action(list);
  sequences
    .command('get')
    .argument('<key>', `a sequence key, such as 'kind=send_email&args={"accountId":7}' (quoted)`)
    .description('one sequence; exit code 1 when none of its jobs is waiting, running or halting it')
    .option('--json', 'print one JSON object, { sequence }, for scripts')
    .addOption(databaseUrlOption())
    .addOption(schemaOption())
    .action(get);
  sequences
    .command('resume')
    .argument('<key...>', 'sequence keys (quoted)')
    .description('move halted sequences past the cancelled or discarded job halting them, without running it again (jobs retry runs it again)')
    .addOption(databaseUrlOption())
    .addOption(schemaOption())
    .action(resume);
  return sequences;
}
