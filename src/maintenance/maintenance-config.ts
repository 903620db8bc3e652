import type { InsertOpts } from '../insert/opts.js';
import type { Plugin } from '../plugin.js';
import type { ResolvedMaintenanceOptions } from './maintenance-options.js';
import type { PeriodicJob } from './periodic-job.js';

/** What the leader's maintenance services take from the client's resolved configuration. */
export interface MaintenanceConfig extends ResolvedMaintenanceOptions {
  /** Ms after which a job of a client that does not heartbeat is stuck. */
  rescueStuckJobsAfter: number;
  /** Ms without a heartbeat after which a Tributary client is dead. */
  clientDeadAfter: number;
  periodicJobs: readonly PeriodicJob<any>[];
  /** Insert defaults for periodic jobs' inserts. */
  insertOpts: InsertOpts | undefined;
  plugins: readonly Plugin[];
}
