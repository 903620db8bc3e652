/**
 * `tributary-queue/otel`: OpenTelemetry spans for inserts and job attempts, as client middleware.
 * Needs `@opentelemetry/api` (an optional peer dependency) and a tracer provider set up by the
 * application (the OpenTelemetry Node SDK, or any other).
 */
import { SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { unknownKeyIssues } from '../did-you-mean.js';
import { throwIfIssues } from '../errors.js';
import type { Middleware } from '../middleware.js';

/** The instrumentation scope name of the default tracer. */
export const TRACER_NAME = 'tributary-queue';

/** Options of {@link otelMiddleware}. */
export interface OtelMiddlewareOptions {
  /** The tracer spans are made with. Default: `trace.getTracer('tributary-queue')` from the global provider. */
  tracer?: Tracer;
}

// Compared by name, not instanceof: this entry point may be bundled apart from the error classes.
const errorName = (thrown: unknown) => (thrown as { name?: unknown } | null)?.name;

/** Ends a span for a failed insert or attempt. A snooze is not a failure: the status stays unset. */
function failed(span: Span, thrown: unknown): void {
  const name = errorName(thrown);
  if (name === 'JobSnoozeError') return void span.setAttributes({ status: 'error', snooze: true });
  span.setAttributes(name === 'JobCancelError' ? { status: 'error', cancel: true } : { status: 'error' });
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

async function traced<T>(span: Span, run: () => Promise<T>, onResult?: (result: T) => void): Promise<T> {
  try {
    const result = await run();
    span.setAttribute('status', 'ok');
    onResult?.(result);
    return result;
  } catch (thrown) {
    failed(span, thrown);
    throw thrown;
  } finally {
    span.end();
  }
}

const distinct = <T>(values: T[]) => [...new Set(values)];

/**
 * Middleware producing one span per insert call (`river.insert_many`, kind PRODUCER) and one per
 * job attempt (`river.work/<kind>`, kind CONSUMER), named and attributed as River's `otelriver`
 * does (`id`, `kind`, `queue`, `attempt`, `priority`, `tag`, `status` of `ok` or `error`, and
 * `cancel` or `snooze` when the worker cancelled or snoozed), plus OpenTelemetry's messaging
 * attributes (`messaging.system` `river`, `messaging.operation.type`, `messaging.destination.name`,
 * `messaging.message.id`). A failure sets the span's status to error and records the exception; a
 * snooze does not. The work span is active while the worker runs, so the worker's own spans are
 * its children (given a context manager, as the Node SDK sets up).
 *
 * @example
 * ```ts
 * import { otelMiddleware } from 'tributary-queue/otel';
 * const client = new Client({ pool, queues, workers, middleware: [otelMiddleware()] });
 * ```
 */
export function otelMiddleware(options: OtelMiddlewareOptions = {}): Middleware {
  throwIfIssues('otelMiddleware', unknownKeyIssues(options ?? {}, ['tracer'], '', 'an otelMiddleware option'));
  const tracer = options.tracer ?? trace.getTracer(TRACER_NAME);
  return {
    name: 'otelMiddleware',
    insert(ctx, next) {
      const attributes: Attributes = {
        'messaging.system': 'river',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'insert_many',
        'messaging.batch.message_count': ctx.items.length,
        kind: distinct(ctx.items.map((item) => String(item.job?.kind))),
      };
      return tracer.startActiveSpan('river.insert_many', { kind: SpanKind.PRODUCER, attributes }, (span) =>
        traced(span, next, (results) => {
          const jobs = results.map((r) => r.job);
          span.setAttributes({ id: jobs.map((job) => job.id), queue: distinct(jobs.map((job) => job.queue)) });
          if (jobs.length === 1) span.setAttributes({ 'messaging.message.id': String(jobs[0]!.id), 'messaging.destination.name': jobs[0]!.queue });
        }),
      );
    },
    work({ job }, next) {
      const attributes: Attributes = {
        'messaging.system': 'river',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'work',
        'messaging.destination.name': job.queue,
        'messaging.message.id': String(job.id),
        id: job.id,
        kind: job.kind,
        queue: job.queue,
        attempt: job.attempt,
        priority: job.priority,
        tag: job.tags,
      };
      return tracer.startActiveSpan(`river.work/${job.kind}`, { kind: SpanKind.CONSUMER, attributes }, (span) => traced(span, next));
    },
  };
}
