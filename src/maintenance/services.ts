import type { MaintenanceConfig } from './maintenance-config.js';
import type { PeriodicEnqueuerOptions } from './periodic-enqueuer.js';
import { JobCleaner } from './job-cleaner.js';
import { PeriodicEnqueuer } from './periodic-enqueuer.js';
import { QueueCleaner } from './queue-cleaner.js';
import { QueueSampler } from './queue-sampler.js';
import { Reindexer } from './reindexer.js';
import { Rescuer } from './rescuer.js';
import { Scheduler } from './scheduler.js';
import { SequencePromoter } from './sequence-promoter.js';
import { WorkflowRepairer } from './workflow-repairer.js';
import type { MaintenanceContext, MaintenanceService } from './service.js';

/**
 * Every maintenance service a leader runs: the built-in ones, then each plugin's. One line per
 * service; each service owns its own options and defaults.
 */
export function maintenanceServices(
  config: MaintenanceConfig,
  ctx: MaintenanceContext,
  /** The client's insert path, so periodic inserts pass its insert middleware. */
  insert?: PeriodicEnqueuerOptions['insert'],
): MaintenanceService[] {
  return [
    new Scheduler(ctx),
    new SequencePromoter(ctx),
    new WorkflowRepairer(ctx),
    new Rescuer({ ...ctx, stuckAfterMs: config.rescueStuckJobsAfter, clientDeadAfterMs: config.clientDeadAfter }),
    new JobCleaner({ ...ctx, retention: config.retention }),
    new QueueCleaner({ ...ctx, retention: config.queueRetention }),
    new QueueSampler(ctx),
    ...(config.reindex ? [new Reindexer({ ...ctx, ...config.reindex })] : []),
    new PeriodicEnqueuer({ ...ctx, periodicJobs: config.periodicJobs, insertDefaults: config.insertOpts, insert }),
    ...config.plugins.flatMap((plugin) => plugin.maintenanceServices?.(ctx) ?? []),
  ];
}
