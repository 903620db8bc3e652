import type { Logger } from '../logger.js';
import type { PgPool } from '../sql/pg-pool.js';
import { promoteSequences, SEQUENCE_PROMOTE_BATCH } from './sequence-promotion.js';
import type { MaintenanceService } from './service.js';

/**
 * How often the leader looks for sequences to promote when nothing woke it, in ms: the fallback
 * for a wake-up missed while the LISTEN connection was down.
 */
export const SEQUENCE_PROMOTER_INTERVAL_MS = 1000;

export interface SequencePromoterOptions {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  interval?: number;
}

/**
 * The leader's sequence service: promotes the head of every ready sequence when woken (a
 * `tributary_sequence` notification: sequenced jobs inserted, a halting job retried, deleted or
 * resumed) and every `interval` ms. Clients also promote the sequences of the jobs they finish,
 * right after writing their outcomes; this pass catches everything else. Wake-ups during a
 * pass run one more pass after it, never two at once.
 */
export class SequencePromoter implements MaintenanceService {
  readonly name = 'sequence-promoter';
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<unknown> | undefined;
  private again = false;
  private running = false;

  constructor(private readonly options: SequencePromoterOptions) {}

  start(): void {
    if (this.timer) return;
    this.running = true;
    this.timer = setInterval(() => this.wake(), this.options.interval ?? SEQUENCE_PROMOTER_INTERVAL_MS);
    this.wake();
  }

  /** Runs a pass soon: now, or right after the one under way. Ignored while stopped. */
  wake(): void {
    if (!this.running) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    this.pass = this.runOnce()
      .catch((error: unknown) => this.options.logger.warn('sequence promoter failed', { error: String(error) }))
      .finally(() => {
        this.pass = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** One pass: promotes every ready head, in batches; returns how many jobs it promoted. */
  async runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const promoted = await promoteSequences(this.options.pool, this.options.schema, null);
      total += promoted;
      if (promoted < SEQUENCE_PROMOTE_BATCH || !this.running) return total;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.again = false;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.pass;
  }
}
