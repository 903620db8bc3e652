// otelMiddleware: a PRODUCER span per insert call and a CONSUMER span per attempt, with River's
// attributes and OpenTelemetry's messaging ones; failures set an error status, snoozes do not.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import * as v from 'valibot';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { Client, defineJob, JobCancelError, snoozeJob, ValidationError, work } from '../../src/index.js';
import { otelMiddleware } from '../../src/otel/index.js';
import { testWorker } from '../../src/testing/index.js';
import { chargeCard, sendEmail } from '../support/jobs.js';
import { inRolledBackTx } from '../support/rollback.js';
import { quietLogger, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');
const HOUR = 3_600_000;
afterAll(() => provider.shutdown());
beforeEach(() => exporter.reset());

const task = defineJob({ kind: 'task', args: v.object({ mode: v.string() }) });
const taskWorker = work(task, async (job, { signal }) => {
  if (job.args.mode === 'fail') throw new Error('boom');
  if (job.args.mode === 'cancel') throw new JobCancelError('not wanted');
  if (job.args.mode === 'snooze') snoozeJob(HOUR);
  if (job.args.mode === 'hang') await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
}, { timeout: 100, nextRetry: () => HOUR });

const spans = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const only = (name: string): ReadableSpan => {
  const found = spans(name);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe('insert spans', () => {
  const client = new Client({ middleware: [otelMiddleware({ tracer })] });

  test('one PRODUCER span per insert call, with the jobs it inserted', async () => {
    const { job } = await client.insert(t.db, sendEmail, { to: 'a@example.com', subject: 's' });
    const span = only('river.insert_many');
    expect(span.kind).toBe(SpanKind.PRODUCER);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toEqual({
      'messaging.system': 'river',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'insert_many',
      'messaging.batch.message_count': 1,
      'messaging.message.id': String(job.id),
      'messaging.destination.name': 'default',
      kind: ['send_email'],
      id: [job.id],
      queue: ['default'],
      status: 'ok',
    });

    exporter.reset();
    const results = await client.insertMany(t.db, [
      { job: sendEmail, args: { to: 'b@example.com', subject: 's' } },
      { job: chargeCard, args: { orderId: 1, cents: 1 } },
      { job: sendEmail, args: { to: 'c@example.com', subject: 's' } },
    ]);
    expect(only('river.insert_many').attributes).toMatchObject({
      'messaging.batch.message_count': 3,
      kind: ['send_email', 'charge_card'],
      id: results.map((r) => r.job.id),
      queue: ['default', 'payments'],
    });
  });

  test('an invalid insert ends its span with an error status and the exception', async () => {
    await expect(client.insert(t.db, sendEmail, { to: 'nope', subject: 's' })).rejects.toThrow(ValidationError);
    const span = only('river.insert_many');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: expect.stringContaining('args.to') });
    expect(span.attributes.status).toBe('error');
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
  });
});

describe('work spans', () => {
  test('one CONSUMER span per attempt of a running client, with the job attributes', async () => {
    const inserter = new Client();
    await startClient(t, { queues: { default: { maxWorkers: 1 } }, workers: [taskWorker], middleware: [otelMiddleware({ tracer })] });
    const { job } = await inserter.insert(t.db, task, { mode: 'ok' }, { tags: ['a', 'b'], priority: 2 });
    await waitForState(t, job.id, 'completed');
    const span = await waitFor(() => spans('river.work/task')[0], { message: 'the work span' });
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toEqual({
      'messaging.system': 'river',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'work',
      'messaging.destination.name': 'default',
      'messaging.message.id': String(job.id),
      id: job.id,
      kind: 'task',
      queue: 'default',
      attempt: 1,
      priority: 2,
      tag: ['a', 'b'],
      status: 'ok',
    });
  });

  test('failures, cancels and timeouts set an error status; a snooze does not', async () => {
    const tw = testWorker(taskWorker, { client: new Client({ middleware: [otelMiddleware({ tracer })], logger: quietLogger }) });
    await inRolledBackTx(t.db, async (tx) => {
      for (const mode of ['fail', 'cancel', 'snooze', 'hang']) await tw.work(tx, { mode });
    });
    const [fail, cancel, snooze, hang] = spans('river.work/task');
    expect(fail!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(fail!.events[0]?.attributes).toMatchObject({ 'exception.message': 'boom', 'exception.type': 'Error' });
    expect(cancel!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'not wanted' });
    expect(cancel!.attributes).toMatchObject({ status: 'error', cancel: true });
    expect(snooze!.status.code).toBe(SpanStatusCode.UNSET);
    expect(snooze!.attributes).toMatchObject({ status: 'error', snooze: true });
    expect(snooze!.events).toEqual([]);
    expect(hang!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'job timed out after 100 ms' });
    // And the insert of each job was traced by the same middleware.
    expect(spans('river.insert_many')).toHaveLength(4);
  });
});

test('without a tracer, spans go to the global tracer provider', async () => {
  trace.setGlobalTracerProvider(provider);
  try {
    await new Client({ middleware: [otelMiddleware()] }).insert(t.db, task, { mode: 'ok' });
    expect(only('river.insert_many').instrumentationScope.name).toBe('tributary-queue');
  } finally {
    trace.disable();
  }
});
