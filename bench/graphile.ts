import { EventEmitter } from 'node:events';
import { Logger, makeWorkerUtils, run, type LogFunctionFactory, type Runner, type WorkerEvents } from 'graphile-worker';
import type { BenchSettings, Contender, WorkerHooks } from './contender.js';

// Its default logger prints a line per worker start and stop; only problems matter here.
const logFactory: LogFunctionFactory = () => (level, message) => {
  if (level === 'error' || level === 'warning') console.error(`graphile-worker ${level}: ${message}`);
};
const logger = new Logger(logFactory);

/**
 * graphile-worker 0.17 at its fastest settings: `concurrency` jobs at once, a local queue of 500
 * jobs fetched (and locked) in one go, and completions batched (a delay of 0 still batches what
 * finishes in the same tick), default poll interval. 0.17 declares Node >= 22 but runs on 20.
 */
export async function graphileContender(url: string, settings: BenchSettings): Promise<Contender> {
  const utils = await makeWorkerUtils({ connectionString: url, logger });
  await utils.migrate();
  let runner: Runner | undefined;
  return {
    name: 'graphile-worker',
    async insertBatch(from, count) {
      const specs = Array.from({ length: count }, (_, k) => ({ identifier: 'noop', payload: { i: from + k } }));
      await utils.addJobs(specs);
    },
    async insertOne(i) {
      await utils.addJob('noop', { i });
    },
    async start(hooks: WorkerHooks) {
      // Listeners go on before run(): workers begin fetching before run() resolves.
      const events: WorkerEvents = new EventEmitter();
      // job:complete is emitted after the completion is stored (job:success comes before).
      events.on('job:complete', ({ error }) => {
        if (error == null) hooks.onCompleted();
      });
      runner = await run({
        connectionString: url,
        concurrency: settings.concurrency,
        maxPoolSize: settings.concurrency + 1, // one per worker, and one for LISTEN
        noHandleSignals: true,
        logger,
        events,
        crontab: '', // no cron: and do not look for a ./crontab file
        preset: { worker: { localQueue: { size: settings.localQueue }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
        taskList: {
          noop: async (payload) => hooks.onStart((payload as { i: number }).i),
        },
      });
    },
    async close() {
      await runner?.stop();
      await utils.release();
    },
  };
}
