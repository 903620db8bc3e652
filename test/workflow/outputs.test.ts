import { sql } from 'drizzle-orm';
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { Client, defineJob, MAX_OUTPUT_BYTES, ValidationError, work } from '../../src/index.js';
import { testWorker } from '../../src/testing/index.js';
import { inRolledBackTx } from '../support/rollback.js';
import { startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { step } from './workflow-jobs.js';

const t = await createTestDatabase();
const inserter = new Client();

const total = defineJob({
  kind: 'total',
  args: v.object({ mode: v.picklist(['ok', 'wrong', 'date', 'huge', 'nul', 'transform']) }),
  output: v.object({ cents: v.pipe(v.number(), v.integer()), note: v.optional(v.string(), 'none') }),
});
const totalWorker = work(total, (job): any => {
  switch (job.args.mode) {
    case 'wrong': return { cents: 'twelve' };
    case 'date': return { cents: 1, note: new Date(0) };
    case 'huge': return { cents: 1, note: 'x'.repeat(MAX_OUTPUT_BYTES) };
    case 'nul': return { cents: 1, note: 'a\u0000b' };
    default: return { cents: 1200 };
  }
}, { nextRetry: () => 3_600_000 });

describe('typed outputs', () => {
  test('a valid return value is stored as metadata.output, as the schema parsed it, and read back as job.output', async () => {
    await startClient(t, { queues: { default: { maxWorkers: 2 } }, workers: [totalWorker] });
    const { job } = await inserter.insert(t.db, total, { mode: 'ok' });
    const row = await waitForState(t, job.id, 'completed');
    expect(row.metadata.output).toEqual({ cents: 1200, note: 'none' });
    const read = await new Client({ pool: t.pool }).jobGet(job.id);
    expect(read?.output).toEqual({ cents: 1200, note: 'none' });
  });

  test.each([
    ['wrong', /returned an invalid output: output\.cents: Invalid type: Expected number but received "twelve"/],
    ['date', /output\.note: Invalid type: Expected string/],
    ['huge', /output: is 262,[\d,]+ bytes of JSON, over the 262,144 allowed/],
    ['nul', /output\.note: contains a NUL character/],
  ] as const)('a return value that fails (%s) fails the attempt with the reason, retryable, and stores nothing', async (mode, message) => {
    const tw = testWorker(totalWorker);
    await inRolledBackTx(t.db, async (tx) => {
      const { result, job, error } = await tw.work(tx, { mode });
      expect(result).toBe('retryable');
      expect(error).toBeInstanceOf(ValidationError);
      expect(error?.name).toBe('JobOutputError');
      expect(job.errors[0]?.error).toMatch(message);
      expect(job.metadata.output).toBeUndefined();
      expect(job.output).toBeUndefined();
    });
  });

  test('testWorker stores and returns the output too', async () => {
    await inRolledBackTx(t.db, async (tx) => {
      const { result, job, output } = await testWorker(totalWorker).work(tx, { mode: 'ok' });
      expect(result).toBe('completed');
      expect(output).toEqual({ cents: 1200 });
      expect(job.output).toEqual({ cents: 1200, note: 'none' });
    });
  });

  test('testWorker works a workflow task as the client does: its dependents are released in the same transaction', async () => {
    const stepWorker = testWorker(work(step, (job) => job.args.name));
    await inRolledBackTx(t.db, async (tx) => {
      const wf = inserter.workflow();
      const a = wf.add('a', step, { name: 'a' });
      const b = wf.add('b', step, { name: 'b' }, { deps: [a] });
      const inserted = await wf.insert(tx);
      const { job } = await stepWorker.workJob(tx, inserted.job(a));
      expect(job.output).toBe('a');
      const [row] = (await tx.execute(sql`SELECT state::text FROM river_job WHERE id = ${inserted.job(b).id}`)).rows;
      expect(row).toEqual({ state: 'available' });
    });
  });

  test('defineJob refuses an output that is not a schema, naming the field', () => {
    expect(() => defineJob({ kind: 'bad_output', args: v.object({}), output: { cents: 1 } as never })).toThrow(
      'defineJob("bad_output"): output: must be a valibot schema or another Standard Schema, or left out',
    );
  });
});
