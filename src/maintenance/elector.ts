import type { PgPool } from '../sql/pg-pool.js';
import type { Logger } from '../logger.js';
import { leaderAttemptElect, leaderResign } from '../sql/leader.js';

/** Leader election timings, in ms, as River's: a 15 s lease renewed every 5 s. */
export const LEADERSHIP_DEFAULTS = { leaseMs: 15_000, renewIntervalMs: 5_000 } as const;
/** Followers add up to this much random delay to each attempt, so they do not all ask at once. */
const FOLLOWER_JITTER_MS = 1000;

export interface ElectorOptions {
  pool: PgPool;
  schema: string | undefined;
  clientId: string;
  logger: Logger;
  leaseMs?: number;
  renewIntervalMs?: number;
  /** Called when this client becomes the leader. */
  onElected: () => void;
  /** Called when it stops being the leader (lost lease, resigned, stopping); awaited before a resign. */
  onLost: () => Promise<void>;
}

/**
 * River's leader election over the one `river_leader` row. Every client tries to take the row;
 * the holder renews its lease, and on stop resigns and notifies `river_leadership`, which makes
 * followers try at once. A leader that cannot renew for a whole lease steps down, since another
 * client may already have taken over.
 */
export class Elector {
  private leader = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private attempt: Promise<void> | undefined;
  private lastRenewedAt = 0;
  private readonly leaseMs: number;
  private readonly renewIntervalMs: number;

  constructor(private readonly options: ElectorOptions) {
    this.leaseMs = options.leaseMs ?? LEADERSHIP_DEFAULTS.leaseMs;
    this.renewIntervalMs = options.renewIntervalMs ?? LEADERSHIP_DEFAULTS.renewIntervalMs;
  }

  /** Whether this client leads now. */
  get isLeader(): boolean {
    return this.leader;
  }

  /** Makes a first attempt (so a lone client leads once start resolves), then keeps trying. */
  async start(): Promise<void> {
    await this.tryNow();
  }

  /** A `river_leadership` notification: a resignation elsewhere, or a request that the leader resign. */
  notified(message: { action?: unknown; leader_id?: unknown }): void {
    if (this.stopped) return;
    if (message.action === 'resigned' && message.leader_id !== this.options.clientId && !this.leader) void this.tryNow();
    if (message.action === 'request_resign' && this.leader) void this.resignThenFollow();
  }

  /** Stops trying; a leader stops its services and resigns. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.attempt;
    if (this.leader) await this.resign();
  }

  private tryNow(): Promise<void> {
    clearTimeout(this.timer);
    this.attempt ??= this.elect().finally(() => {
      this.attempt = undefined;
      this.schedule();
    });
    return this.attempt;
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const delay = this.leader ? this.renewIntervalMs : this.renewIntervalMs + Math.random() * FOLLOWER_JITTER_MS;
    this.timer = setTimeout(() => void this.tryNow(), delay);
  }

  private async elect(): Promise<void> {
    const { pool, schema, clientId, logger } = this.options;
    try {
      const { text, values } = leaderAttemptElect({ schema, leaderId: clientId, ttlMs: this.leaseMs });
      const won = (await pool.query(text, values)).rows.length > 0;
      if (won) this.lastRenewedAt = Date.now();
      if (this.stopped) return;
      if (won && !this.leader) {
        this.leader = true;
        logger.info('elected leader', { clientId });
        this.options.onElected();
      } else if (!won && this.leader) {
        await this.lose('another client took over the lease');
      }
    } catch (error) {
      if (this.leader && Date.now() - this.lastRenewedAt >= this.leaseMs) {
        await this.lose(`could not renew the lease for ${this.leaseMs} ms`);
      }
      logger.warn('leader election failed', { error: String(error) });
    }
  }

  private async lose(reason: string): Promise<void> {
    this.leader = false;
    this.options.logger.warn(`lost leadership: ${reason}`);
    await this.options.onLost();
  }

  private async resign(): Promise<void> {
    this.leader = false;
    await this.options.onLost();
    const { text, values } = leaderResign({ schema: this.options.schema, leaderId: this.options.clientId });
    try {
      await this.options.pool.query(text, values);
    } catch (error) {
      // The lease then expires by itself; followers take over within one lease.
      this.options.logger.warn('could not resign leadership', { error: String(error) });
    }
  }

  private async resignThenFollow(): Promise<void> {
    await this.attempt;
    if (!this.leader || this.stopped) return;
    await this.resign();
    // Someone else should take it; this client waits one interval before trying again.
    this.schedule();
  }
}
