import { didYouMean } from './did-you-mean.js';
import { ValidationError } from './errors.js';
import type { JobRow } from './job-row.js';
import type { JobProgress } from './job-progress.js';

/** Emitted when a job reaches an outcome, after the outcome is stored. */
export interface JobEvent {
  /** The job as stored after this outcome. */
  job: JobRow<unknown>;
  /** Milliseconds from when it could have run (`scheduled_at`) to when it started. */
  queueWaitMs: number;
  /** Milliseconds its worker ran. */
  runDurationMs: number;
  /** The error that failed, cancelled or snoozed it, if any. */
  error?: unknown;
}

/** Emitted by the client running a job each time it stores the job's progress (`ctx.progress()`). */
export interface JobProgressEvent {
  /** The running job, its `metadata.progress` as just stored. */
  job: JobRow<unknown>;
  /** The value stored. */
  progress: JobProgress;
}

/** Emitted when a queue is paused or resumed. */
export interface QueueEvent {
  queue: string;
}

/** Emitted when this client becomes the leader or stops being it. */
export interface LeaderEvent {
  clientId: string;
}

/** Event names and their payloads, as River names them. */
export interface ClientEvents {
  job_completed: JobEvent;
  /** The attempt failed: the job is now `retryable` or, at its last attempt, `discarded`. */
  job_failed: JobEvent;
  job_cancelled: JobEvent;
  job_snoozed: JobEvent;
  /** A running job's progress was stored: at most every 250 ms per job, and its last report. */
  job_progress: JobProgressEvent;
  queue_paused: QueueEvent;
  queue_resumed: QueueEvent;
  /** This client was elected leader: it now runs maintenance and periodic jobs. */
  leader_elected: LeaderEvent;
  /** This client is no longer the leader (it resigned on stop, or lost its lease). */
  leader_lost: LeaderEvent;
}

export type ClientEventName = keyof ClientEvents;

/** Every event name, for checking names given at runtime. */
export const CLIENT_EVENT_NAMES = [
  'job_completed', 'job_failed', 'job_cancelled', 'job_snoozed', 'job_progress', 'queue_paused', 'queue_resumed', 'leader_elected', 'leader_lost',
] as const satisfies readonly ClientEventName[];
// Fails to compile when an event is added to ClientEvents but not to the list.
true satisfies ClientEventName extends (typeof CLIENT_EVENT_NAMES)[number] ? true : false;

/** A minimal typed emitter; a throwing listener is logged, never breaks the runtime. */
export class EventHub {
  private readonly listeners = new Map<ClientEventName, Set<(payload: any) => void>>();

  constructor(private readonly onListenerError: (error: unknown, event: ClientEventName) => void) {}

  /** @throws ValidationError for an unknown event name (with the closest one) or a listener that is not a function. */
  on<E extends ClientEventName>(event: E, listener: (payload: ClientEvents[E]) => void): () => void {
    if (!(CLIENT_EVENT_NAMES as readonly unknown[]).includes(event)) {
      const guess = typeof event === 'string' ? didYouMean(event, CLIENT_EVENT_NAMES) : undefined;
      throw new ValidationError('client.on()', [{
        path: 'event',
        message: `${JSON.stringify(event)} is not an event${guess ? `; did you mean "${guess}"?` : ` (${CLIENT_EVENT_NAMES.join(', ')})`}`,
      }]);
    }
    if (typeof listener !== 'function') throw new ValidationError(`client.on(${JSON.stringify(event)})`, [{ path: 'listener', message: 'must be a function' }]);
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => void set.delete(listener);
  }

  /** Whether anything listens to `event`: a payload costly to build can be skipped when not. */
  has(event: ClientEventName): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  emit<E extends ClientEventName>(event: E, payload: ClientEvents[E]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }
}
