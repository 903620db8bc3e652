import { unknownKeyIssues } from './did-you-mean.js';
import type { ValidationIssue } from './errors.js';
import type { MaintenanceContext, MaintenanceService } from './maintenance/service.js';

/**
 * Extends a client. A plugin's maintenance services get the same lifecycle as the built-in
 * ones: they run only in the elected leader, start when it is elected and stop when it resigns.
 *
 * @example
 * ```ts
 * const auditPlugin: Plugin = {
 *   name: 'audit',
 *   maintenanceServices: (ctx) => [new AuditArchiver(ctx)],
 * };
 * new Client({ pool, queues, workers, plugins: [auditPlugin] });
 * ```
 */
export interface Plugin {
  /** A name for logs and errors. */
  readonly name: string;
  /** Called once per client start with the client's pool, schema, logger and id. */
  maintenanceServices?(ctx: MaintenanceContext): MaintenanceService[];
}

/** Problems with the `plugins` option, or none. */
export function pluginIssues(plugins: unknown): ValidationIssue[] {
  if (plugins === undefined) return [];
  if (!Array.isArray(plugins)) return [{ path: 'plugins', message: 'must be an array of plugins ({ name, maintenanceServices? })' }];
  return plugins.flatMap((plugin: Partial<Plugin> | undefined, i): ValidationIssue[] => {
    if (typeof plugin?.name !== 'string' || plugin.name.length === 0) return [{ path: `plugins[${i}].name`, message: 'must be a non-empty string' }];
    // Its own fields are allowed (its method may use them through `this`); near-misses of one are not.
    const unknown = unknownKeyIssues(plugin, ['name', 'maintenanceServices'], `plugins[${i}]`, 'a plugin field', true);
    if (unknown.length > 0) return unknown;
    if (plugin.maintenanceServices !== undefined && typeof plugin.maintenanceServices !== 'function') {
      return [{ path: `plugins[${i}].maintenanceServices`, message: 'must be a function returning maintenance services' }];
    }
    return [];
  });
}
