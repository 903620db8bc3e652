import type { Logger } from '../logger.js';
import type { PgPool } from '../sql/pg-pool.js';
import { arrayLiteral } from '../sql/array-literal.js';
import { query } from '../sql/query.js';

/**
 * The channel topic on which a client says that jobs of a limited queue finished (their outcome
 * is written): payload `{"queue":"<name>","client":"<id>"}`. A channel of Tributary's own, so
 * River clients never hear it.
 */
export const SLOTS_TOPIC = 'tributary_slots';

export interface SlotNoticesOptions {
  pool: PgPool;
  logger: Logger;
  clientId: string;
  /** The limited queues this client works. */
  queues: ReadonlySet<string>;
  /**
   * Whether another client may need to hear of a slot freed here in `queue`. This client fetches
   * again as soon as a job finishes, seeing the slot free before anyone else can (its outcome is
   * not written yet); with free workers and no local limit, what that fetch leaves is what every
   * client would, so telling them only sends them to the queue's lock for nothing.
   */
  othersMayUse: (queue: string) => boolean;
}

/**
 * Slots of limited queues as this client frees them. A job that finished here stays `running` in
 * the table until the completer writes its outcome (up to about 20 ms later): its id is kept
 * meanwhile so this client's own next fetch leaves it out of the counts and reuses the slot at
 * once. Once written, other clients waiting for a slot are told on {@link SLOTS_TOPIC}, one
 * notification per queue per flush, when this client could not take the slot itself.
 */
export class SlotNotices {
  private readonly finished = new Map<string, Set<number>>();
  private readonly toNotify = new Set<string>();
  private scheduled = false;
  private channel = SLOTS_TOPIC;

  constructor(private readonly options: SlotNoticesOptions) {
    for (const queue of options.queues) this.finished.set(queue, new Set());
  }

  /** Names the channel once the schema prefix is known (`<schema>.tributary_slots`). */
  setChannel(channel: string): void {
    this.channel = channel;
  }

  /** A job finished here; its outcome is on its way to the completer. */
  jobFinished(job: { id: number; queue: string }): void {
    this.finished.get(job.queue)?.add(job.id);
  }

  /** A job's outcome was written (or found already changed): its slot is free for everyone. */
  outcomeStored(job: { id: number; queue: string }): void {
    const ids = this.finished.get(job.queue);
    if (!ids?.delete(job.id) || !this.options.othersMayUse(job.queue)) return;
    this.toNotify.add(job.queue);
    if (this.scheduled) return;
    this.scheduled = true;
    // After the flush's whole loop of callbacks: one notification per queue, not per job.
    queueMicrotask(() => this.send());
  }

  /** Ids of jobs of `queue` finished here whose outcome is not written yet. */
  finishedIds(queue: string): readonly number[] {
    const ids = this.finished.get(queue);
    return ids && ids.size > 0 ? [...ids] : [];
  }

  /** Whether a notification on the slots channel came from this client itself. */
  isOwn(payload: { client?: unknown }): boolean {
    return payload.client === this.options.clientId;
  }

  private send(): void {
    this.scheduled = false;
    const payloads = [...this.toNotify].map((queue) => JSON.stringify({ queue, client: this.options.clientId }));
    this.toNotify.clear();
    // A lost notification only delays the other clients until their poll.
    const { text, values } = query`SELECT pg_notify(${this.channel}, p) FROM unnest(${arrayLiteral(payloads)}::text[]) AS p`;
    this.options.pool
      .query(text, values)
      .catch((error: unknown) => this.options.logger.warn('could not notify other clients of freed slots', { error: String(error) }));
  }
}
