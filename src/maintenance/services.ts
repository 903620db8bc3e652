import type { ResolvedClientConfig } from '../client-config.js';
import { Rescuer } from './rescuer.js';
import { Scheduler } from './scheduler.js';
import type { MaintenanceContext, MaintenanceService } from './service.js';

/**
 * Every maintenance service a leader runs: the built-in ones, then each plugin's. One line per
 * service; each service owns its own options and defaults.
 */
export function maintenanceServices(config: ResolvedClientConfig, ctx: MaintenanceContext): MaintenanceService[] {
  return [
    new Scheduler(ctx),
    new Rescuer({ ...ctx, stuckAfterMs: config.rescueStuckJobsAfter, clientDeadAfterMs: config.clientDeadAfter }),
    ...config.plugins.flatMap((plugin) => plugin.maintenanceServices?.(ctx) ?? []),
  ];
}
