import type { EventHub } from '../events.js';
import { TributaryError } from '../errors.js';
import { JobCancelError } from '../job-control.js';
import type { JobRow } from '../job-row.js';
import { jobRelease } from '../sql/job-release.js';
import { maintenanceServices } from '../maintenance/services.js';
import type { MaintenanceService } from '../maintenance/service.js';
import { Elector } from '../maintenance/elector.js';
import { DeadClientRescuer } from '../maintenance/dead-client-rescuer.js';
import { Heartbeat } from './heartbeat.js';
import { ThroughputRecorder } from './throughput-recorder.js';
import { Completer, isPlainCompletion } from './completer.js';
import { executeJob, LazyRunningJob, type ExecutorOptions } from './executor.js';
import { Notifier } from './notifier.js';
import { outcomeRow, type Outcome } from './outcome.js';
import { OutcomeEvents, type RunningHere, type StoredAttempt } from './outcome-events.js';
import type { Producer } from './producer.js';
import type { RuntimeConfig } from './runtime-config.js';
import type { WorkerClient } from '../worker-client.js';
import type { InsertItem, InsertResult } from '../insert/insert-jobs.js';
import type { DrizzleHandle } from '../drizzle-handle.js';
import { StopDeadline } from './stop-deadline.js';
import type { Worker } from '../worker.js';
import type { JobOutcomeRow } from '../sql/job-set-state-many.js';
import type { ClientFaults } from './faults.js';
import { workWrapper } from '../middleware.js';
import { SEQUENCE_TOPIC } from '../insert/sequence-notify.js';
import { SequencePromoter } from '../maintenance/sequence-promoter.js';
import { SequenceReleaser } from './sequence-releaser.js';
import { SLOTS_TOPIC, type SlotNotices } from '../flow/slot-notices.js';
import { queueProducers } from './queue-producers.js';
import { handOverSlot } from './slot-hand-over.js';
import { ReleaseTaker } from './release-take.js';

/**
 * Outcomes workflow tasks wait for, written or not, past which producers stop fetching: jobs
 * fetched beyond it only queue up behind them, and the tasks they release wait that much longer
 * (a 10,000-parent fan-in's child started 110 ms after its last parent, all of it spent in the
 * completer's backlog).
 */
const WAITED_ON_BACKLOG_MAX = 500;
import { runtimeProgressStore } from './progress-store.js';

/** The client a runtime works for: what its workers get, and its insert path for periodic jobs. */
export interface RuntimeHost extends WorkerClient {
  insertItems(tx: DrizzleHandle, items: readonly InsertItem[], context: (index: number) => string): Promise<InsertResult[]>;
}

/**
 * Everything a working client runs: one producer per queue, the executor, the completer, the
 * LISTEN connection and the scheduler. Made by `client.start()`.
 */
export class Runtime {
  private readonly producers: Map<string, Producer>;
  private readonly running = new Map<number, RunningHere>();
  private readonly workers: Map<string, Worker>;
  private readonly executorOptions: ExecutorOptions;
  private readonly completer: Completer<StoredAttempt>;
  private readonly outcomeEvents: OutcomeEvents;
  private readonly maintenance: MaintenanceService[];
  private readonly sequences: SequenceReleaser;
  private readonly heartbeat: Heartbeat;
  private readonly throughput: ThroughputRecorder;
  private readonly deadClientRescuer: DeadClientRescuer;
  private readonly elector: Elector;
  /** Freed slots of limited queues; undefined when no queue here is limited. */
  private readonly slots: SlotNotices | undefined;
  private notifier: Notifier | undefined;
  /** Set once running jobs are being aborted: the reason their signals get. */
  private abortReason: string | undefined;
  private channelPrefix = '';

  constructor(
    private readonly config: RuntimeConfig,
    client: RuntimeHost,
    private readonly events: EventHub,
    faults: ClientFaults,
  ) {
    this.workers = new Map(config.workers.map((w) => [w.job.kind, w as Worker]));
    this.executorOptions = {
      workers: this.workers,
      client,
      logger: config.logger,
      jobTimeout: config.jobTimeout,
      retryPolicy: config.retryPolicy,
      errorHandler: config.errorHandler,
      wrapWork: workWrapper(config.middleware),
      progress: runtimeProgressStore(config, events),
      workflow: {
        run: async (q) => (await config.pool.query(q.text, q.values)).rows,
        insert: { schema: config.schema, defaults: config.insertOpts, pool: config.pool },
      },
    };
    this.throughput = new ThroughputRecorder({ pool: config.pool, schema: config.schema, logger: config.logger });
    this.outcomeEvents = new OutcomeEvents({
      events, pool: config.pool, schema: config.schema, logger: config.logger,
      wake: (queue) => this.wake([queue]),
      count: (queue, outcome) => this.throughput.add(queue, outcome),
    });
    this.completer = new Completer({
      pool: config.pool,
      schema: config.schema,
      logger: config.logger,
      faults,
      onStored: (p, written, cancelled, row) => this.outcomeStored(p, written, cancelled, row),
      releases: new ReleaseTaker(() => this.producers, config.id, [...this.workers.keys()]),
      onBatchWritten: () => {
        for (const producer of this.producers.values()) producer.resumeFetching();
      },
    });
    this.sequences = new SequenceReleaser({ pool: config.pool, schema: config.schema, logger: config.logger });
    this.maintenance = maintenanceServices(
      config,
      { pool: config.pool, schema: config.schema, logger: config.logger, clientId: config.id, now: undefined },
      (handle, items, context) => client.insertItems(handle, items, context),
    );
    this.heartbeat = new Heartbeat({ pool: config.pool, schema: config.schema, clientId: config.id, logger: config.logger, clientDeadAfterMs: config.clientDeadAfter });
    this.deadClientRescuer = new DeadClientRescuer({
      pool: config.pool,
      schema: config.schema,
      logger: config.logger,
      clientDeadAfterMs: config.clientDeadAfter,
      mayJudge: () => !this.heartbeat.recentlyFailed,
    });
    this.elector = new Elector({
      pool: config.pool,
      schema: config.schema,
      clientId: config.id,
      logger: config.logger,
      onElected: () => this.startMaintenance(),
      onLost: () => this.stopMaintenance(),
    });
    ({ producers: this.producers, slots: this.slots } = queueProducers(config, faults, {
      run: (job) => this.run(job),
      release: (jobs) => this.release(jobs),
      pauseChanged: (queue, paused) => this.events.emit(paused ? 'queue_paused' : 'queue_resumed', { queue }),
      holdFetch: () => this.completer.waitedOnBacklog >= WAITED_ON_BACKLOG_MAX,
    }));
  }

  async start(): Promise<void> {
    const { pool, schema } = this.config;
    const prefix = schema ?? (await pool.query('SELECT current_schema() AS s')).rows[0]?.s;
    this.channelPrefix = `${prefix}.`;
    this.slots?.setChannel(`${prefix}.${SLOTS_TOPIC}`);
    this.notifier = new Notifier({
      pool,
      channels: [
        `${prefix}.river_insert`, `${prefix}.river_control`, `${prefix}.river_leadership`, `${prefix}.${SEQUENCE_TOPIC}`,
        ...(this.slots ? [`${prefix}.${SLOTS_TOPIC}`] : []),
      ],
      logger: this.config.logger,
      onNotification: (channel, payload) => this.notified(channel, payload),
      onReconnect: () => this.wake(this.producers.keys()),
    });
    await this.notifier.start();
    // Jobs a previous process left running under this id, then every dead client's: a process
    // restarted after a crash has its own jobs, and other dead clients', running again at once.
    await this.heartbeat.retirePrevious();
    await this.deadClientRescuer.runOnce();
    await this.heartbeat.start();
    this.throughput.start();
    this.deadClientRescuer.start({ passNow: false });
    await Promise.all([...this.producers.values()].map((p) => p.prepare()));
    await this.elector.start();
    // Last, and all in this one task: no job runs, and so no event fires, before start()
    // resolves, so listeners added right after `await client.start()` miss nothing. (Fetching
    // before the election made jobs finish unheard while the leader query was in flight.)
    for (const producer of this.producers.values()) producer.begin();
  }

  /**
   * Stops fetching, waits for running jobs, writes their outcomes. With a deadline set by
   * {@link limitStop}, returns by then whatever is left.
   */
  async stop(): Promise<void> {
    const bounded = (work: Promise<unknown> | undefined) => Promise.race([work, this.deadline.gaveUp]);
    await bounded(Promise.all([...this.producers.values()].map((p) => p.stop())));
    await bounded(this.elector.stop());
    await bounded(this.deadClientRescuer.stop());
    await bounded(this.completer.stop());
    await bounded(this.sequences.idle());
    this.deadline.finish();
    // After the completer: the client is dead to the rescuer once stopped, so its jobs must be
    // stored first. Past the deadline, what is left is the rescuer's, and these two finish on
    // their own (each fails fast without a server).
    const stopped = Promise.all([this.heartbeat.stop(), this.notifier?.stop(), this.throughput.stop()]);
    if (!this.deadline.passed) await stopped;
  }

  /**
   * Gives a stop at most `timeoutMs`: jobs still running near the deadline are cancelled
   * (their signals abort, prefetched jobs go back to their queue), and at the deadline the stop
   * returns, leaving jobs still running and outcomes not yet written to the rescuer.
   */
  limitStop(timeoutMs: number): void {
    this.deadline.limit(timeoutMs);
  }

  private readonly deadline = new StopDeadline({
    abort: () => {
      this.abortRunning('client stopped: its stop timeout was reached');
      for (const producer of this.producers.values()) void producer.releaseBuffered();
    },
    giveUp: () => {
      const unwritten = this.completer.abandon();
      const running = [...this.producers.values()].reduce((n, p) => n + p.runningCount, 0);
      this.config.logger.warn(
        `stop timeout reached: ${running} job(s) still running and ${unwritten} outcome(s) not written are left to the rescuer (about ${this.config.clientDeadAfter} ms)`,
      );
    },
  });

  private get sequencePromoter(): SequencePromoter | undefined {
    return this.maintenance.find((service): service is SequencePromoter => service instanceof SequencePromoter);
  }

  /** Whether this client is the elected leader, running maintenance. */
  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  private startMaintenance(): void {
    for (const service of this.maintenance) service.start();
    this.events.emit('leader_elected', { clientId: this.config.id });
  }

  private async stopMaintenance(): Promise<void> {
    await Promise.all(this.maintenance.map((service) => service.stop()));
    this.events.emit('leader_lost', { clientId: this.config.id });
  }

  /** Aborts every running job's signal; stop() then waits for them. */
  abortRunning(reason = 'client stopped with stopAndCancel()'): void {
    this.abortReason = reason;
    // Not a JobCancelError: a worker that rethrows its signal's reason must fail the attempt and
    // be retried, not end cancelled.
    for (const running of this.running.values()) running.controller.abort(new TributaryError(reason));
  }

  /** Wakes the producers of these queues. */
  wake(queues: Iterable<string>): void {
    for (const queue of queues) this.producers.get(queue)?.wake();
  }

  /**
   * After an insert through this client: the insert's own notification wakes the producers
   * within a millisecond or two, so a direct wake is only for while LISTEN is down (it would
   * otherwise cost an extra, empty fetch for every insert).
   */
  inserted(results: readonly { uniqueSkippedAsDuplicate: boolean; job: JobRow<unknown> }[]): void {
    if (this.notifier?.connected) return;
    this.wake(new Set(results.filter((r) => !r.uniqueSkippedAsDuplicate && r.job.state === 'available').map((r) => r.job.queue)));
  }

  /** Remembers that a running job was completed in the worker's own transaction. */
  completedInTx(job: JobRow<unknown>): void {
    const running = this.running.get(job.id);
    if (running) running.completedInTx = job;
  }

  private notified(channel: string, payload: string): void {
    let message: { queue?: string; action?: string; job_id?: number };
    try {
      message = JSON.parse(payload);
    } catch {
      return this.config.logger.warn(`ignoring a malformed notification on ${channel}`, { payload });
    }
    const topic = channel.slice(this.channelPrefix.length);
    if (topic === 'river_insert' && typeof message.queue === 'string') return this.producers.get(message.queue)?.wake('notify');
    if (topic === SLOTS_TOPIC && typeof message.queue === 'string') {
      if (!this.slots?.isOwn(message as { client?: unknown })) this.producers.get(message.queue)?.wake();
      return;
    }
    if (topic === 'river_leadership') return this.elector.notified(message as { action?: unknown; leader_id?: unknown });
    if (topic === SEQUENCE_TOPIC) return this.sequencePromoter?.wake();
    if (topic !== 'river_control') return;
    const targets = message.queue === '*' ? [...this.producers.values()] : [this.producers.get(message.queue ?? '')].filter((p) => p !== undefined);
    if (message.action === 'pause' || message.action === 'resume') for (const p of targets) p.setPaused(message.action === 'pause');
    if (message.action === 'cancel' && typeof message.job_id === 'number') {
      for (const producer of this.producers.values()) {
        const job = producer.takeBuffered(message.job_id);
        if (job) this.cancelBuffered(job);
      }
      const running = this.running.get(message.job_id);
      if (running) {
        running.cancelRequested = true;
        running.controller.abort(new JobCancelError('job cancelled while running'));
      }
    }
  }

  private async release(jobs: JobRow<unknown>[]): Promise<void> {
    const { text, values } = jobRelease({ schema: this.config.schema, jobs });
    try {
      await this.config.pool.query(text, values);
    } catch (error) {
      // They stay running; the rescuer gives them back later. Nothing is lost, only delayed.
      this.config.logger.warn(`could not give ${jobs.length} prefetched job(s) back to their queue`, { error: String(error) });
    }
  }

  private async run(job: JobRow<unknown>): Promise<void> {
    const running: RunningHere = new LazyRunningJob(job);
    // A fetch in flight when stopAndCancel() began still hands its jobs over: abort them too.
    if (this.abortReason) running.controller.abort(new TributaryError(this.abortReason));
    this.running.set(job.id, running);
    const startedAt = Date.now();
    try {
      let outcome = await executeJob(running, this.executorOptions);
      // Its last progress first: the outcome written after it keeps it.
      if (running.progress) await running.progress.flush();
      const finishedAt = Date.now();
      let row: JobOutcomeRow;
      try {
        row = outcomeRow(job, outcome, new Date(finishedAt));
      } catch (error) {
        // Never expected (outcomeRow clamps and sanitizes), but a row not built is a job left running.
        outcome = { type: 'failed', error: new TributaryError(`could not record the outcome: ${String(error)}`), retryInMs: 1000, discard: false };
        row = outcomeRow(job, outcome, new Date(finishedAt));
      }
      const producer = this.producers.get(job.queue);
      const stored: StoredAttempt = { row, running, outcome, startedAt, finishedAt };
      if (isPlainCompletion(row) && row.workflow === undefined && !running.overrun && producer?.beginHandOver()) {
        void handOverSlot({ producer, stored, slots: this.slots, completer: this.completer, logger: this.config.logger, onStored: (p, written) => this.outcomeStored(p, written, false, p.row) });
      }
      else {
        this.slots?.jobFinished(job);
        this.completer.add(stored);
      }
    } finally {
      // The job may already run again here (a retry fetched while an overrun goes on).
      if (this.running.get(job.id) === running) this.running.delete(job.id);
    }
    // The outcome is recorded; the slot is freed only once the worker's function has returned.
    if (running.overrun) await running.overrun;
  }

  private outcomeStored(p: StoredAttempt, written: boolean, cancelled: boolean, row: JobOutcomeRow): void {
    this.slots?.outcomeStored(p.running.job);
    this.outcomeEvents.stored(p, written, cancelled, row);
    this.sequences.stored(p.running.job, written ? (cancelled ? 'cancelled' : row.state) : undefined);
  }

  private cancelBuffered(job: JobRow<unknown>): void {
    const now = Date.now();
    const outcome: Outcome = { type: 'cancelled', error: new JobCancelError('job cancelled before it started') };
    const running = new LazyRunningJob(job);
    running.cancelRequested = true;
    this.slots?.jobFinished(job);
    this.completer.add({ row: outcomeRow(job, outcome, new Date(now)), running, outcome, startedAt: now, finishedAt: now });
  }
}
