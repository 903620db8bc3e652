import type { PgPool, PgPoolClient } from '../sql/pg-pool.js';
import type { Logger } from '../logger.js';

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;

export interface NotifierOptions {
  pool: PgPool;
  /** Channel names to LISTEN on, such as `public.river_insert`. */
  channels: string[];
  logger: Logger;
  onNotification: (channel: string, payload: string) => void;
  /** Called after the connection came back: notifications may have been missed meanwhile. */
  onReconnect: () => void;
}

/**
 * One dedicated LISTEN connection per client. When it dies (a terminated backend, a restarting
 * server) it reconnects with backoff while the producers' polls keep jobs flowing.
 */
export class Notifier {
  private connection: PgPoolClient | undefined;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempts = 0;

  constructor(private readonly options: NotifierOptions) {}

  /** Whether the LISTEN connection is up. */
  get connected(): boolean {
    return this.connection !== undefined;
  }

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const connection = this.connection;
    this.connection = undefined;
    if (connection) {
      connection.removeAllListeners('notification');
      connection.removeAllListeners('error');
      connection.removeAllListeners('end');
      connection.on('error', () => {});
      await connection.query('UNLISTEN *').catch(() => {});
      connection.release();
    }
  }

  private async connect(): Promise<void> {
    const connection = await this.options.pool.connect();
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.connection === connection) this.connection = undefined;
      connection.removeAllListeners('notification');
      connection.release(error ?? true); // destroy it rather than return a dead connection to the pool
      if (this.stopped) return;
      this.options.logger.warn('LISTEN connection lost; reconnecting', { error: error?.message });
      this.scheduleReconnect();
    };
    connection.on('error', onLost);
    connection.on('end', () => onLost());
    connection.on('notification', (message) => this.options.onNotification(message.channel, message.payload ?? ''));
    try {
      for (const channel of this.options.channels) await connection.query(`LISTEN "${channel.replaceAll('"', '""')}"`);
    } catch (error) {
      onLost(error as Error);
      throw error;
    }
    if (this.stopped) {
      // stop() ran while this connection was being made: it is nobody's to keep.
      lost = true;
      connection.removeAllListeners('notification');
      await connection.query('UNLISTEN *').catch(() => {});
      connection.release();
      return;
    }
    this.connection = connection;
    this.attempts = 0;
  }

  private scheduleReconnect(): void {
    const delay = Math.min(RECONNECT_MIN_MS * 2 ** this.attempts++, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopped) return;
      this.connect().then(
        () => {
          this.options.logger.info('LISTEN connection restored');
          this.options.onReconnect();
        },
        () => {
          // A failure after connecting already scheduled the next try through onLost.
          if (!this.stopped && !this.connection && !this.reconnectTimer) this.scheduleReconnect();
        },
      );
    }, delay);
  }
}
