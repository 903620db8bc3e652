/**
 * One worker process: a real application of the built package (it imports `tributary-queue`,
 * which resolves to dist/ through the package's self-reference, as an installed app would). It
 * works `chaos_job` on one queue with a handler chosen by CHAOS_WORKER (see worker-config.ts),
 * records each attempt in chaos_attempt, and says `ready` over IPC once started. Started by
 * process-pool.ts, never by hand.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { Client, work, type Logger } from 'tributary-queue';
import { chaosJob } from './jobs.js';
import { poisonValue } from './poison-values.js';
import { chaosAttempt, chaosEffect } from './tables.js';
import { RETRY_AFTER_MS, WORKER_ENV, type HarnessMessage, type WorkerConfig, type WorkerMessage } from './worker-config.js';

const url = process.env[WORKER_ENV.url];
const configText = process.env[WORKER_ENV.config];
if (!url || !configText || !process.send) {
  console.error('chaos/worker-process.ts is started by the chaos harness, not by hand');
  process.exit(2);
}
const config = JSON.parse(configText) as WorkerConfig;
// Resolves once the message is out: a process about to exit must not drop it.
const send = (message: WorkerMessage) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

// As the README's "Working jobs" sets it up: a pool, nothing else attached to it.
const pool = new pg.Pool({ connectionString: url, application_name: config.applicationName });
const db = drizzle(pool);

// Warnings and errors go to stderr, where the harness keeps the last lines of each process.
const write = (level: string) => (message: string, data?: Record<string, unknown>) =>
  console.error(`[${level}] ${message}${data ? ` ${safeJson(data)}` : ''}`);
const logger: Logger = { debug() {}, info() {}, warn: write('warn'), error: write('error') };

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value).slice(0, 500);
  } catch {
    return String(value).slice(0, 500);
  }
}

async function recordEnd(id: number, outcome: 'finished' | 'aborted'): Promise<void> {
  if (!config.recordEnds) return;
  // Best effort: a failed write here must not turn a finished job into a failed attempt.
  await db.update(chaosAttempt).set({ endedAt: new Date(), outcome }).where(eq(chaosAttempt.id, id)).catch(() => {});
}

const client = new Client({
  pool,
  id: `chaos_${config.queue}_${process.pid}`,
  queues: { [config.queue]: { maxWorkers: config.maxWorkers } },
  logger,
  retryPolicy: () => RETRY_AFTER_MS,
  workers: [
    work(chaosJob, async (job, ctx) => {
      const [row] = await db.insert(chaosAttempt).values({ jobId: job.id, attempt: job.attempt, pid: process.pid }).returning({ id: chaosAttempt.id });
      try {
        if (job.args.poison) throw poisonValue(job.args.poison);
        await sleep(job.args.ms, undefined, { signal: ctx.signal });
        if (config.handler === 'completetx') {
          await db.transaction(async (tx) => {
            await tx.insert(chaosEffect).values({ jobId: job.id, pid: process.pid });
            return ctx.client.completeTx(tx, job);
          });
        }
        await recordEnd(row!.id, 'finished');
      } catch (error) {
        if (ctx.signal.aborted) await recordEnd(row!.id, 'aborted');
        throw error;
      }
    }),
  ],
});

if (config.readmeShutdown) {
  // The README's "Stopping" snippet, as a user copies it.
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      // First signal: finish running jobs, within 25 s (Kubernetes kills after 30). Second: abort them now.
      void (stopping ? client.stopAndCancel({ timeout: 5_000 }) : client.stop({ timeout: 25_000 })).then(() => process.exit(0));
      stopping = true;
    });
  }
}

process.on('message', async (message: HarnessMessage) => {
  if (message.type !== 'stop') return;
  const started = performance.now();
  await client.stop();
  await send({ type: 'stopped', stopMs: performance.now() - started });
  await pool.end().catch(() => {});
  process.exit(0);
});
// The harness gone (killed, crashed): nothing left to work for.
process.on('disconnect', () => process.exit(1));

await client.start();
await send({ type: 'ready', id: client.id, resolved: import.meta.resolve('tributary-queue') });
