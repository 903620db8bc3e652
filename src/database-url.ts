import type { ValidationIssue } from './errors.js';

const PROTOCOLS = new Set(['postgres:', 'postgresql:', 'socket:']);

/** A connection string with its password replaced by `***`, to quote in messages. */
export function maskPassword(url: string): string {
  return url.replace(/^(.*?\/\/|)([^:@/]*):[^@]*@/, '$1$2:***@');
}

/** Whether node-postgres can read `url` as a connection string rather than take it for a host. */
function isConnectionString(url: string): boolean {
  if (url.startsWith('/')) return true; // a socket directory, `/var/run/postgresql dbname`
  // node-postgres accepts an empty host (`postgres://user@/db?host=/tmp`) the same way.
  for (const candidate of [url, url.replace('@/', '@h/')]) {
    try {
      if (PROTOCOLS.has(new URL(candidate).protocol)) return true;
    } catch {
      // not a URL; try the next form
    }
  }
  return false;
}

/**
 * Problems with a Postgres connection string, or none. node-postgres reads anything else as a
 * path relative to `postgres://base`, so `not-a-url` fails later as `getaddrinfo ENOTFOUND base`.
 */
export function databaseUrlIssues(value: unknown, path = 'databaseUrl'): ValidationIssue[] {
  if (value === undefined) return [];
  if (typeof value === 'string' && isConnectionString(value)) return [];
  const shown = typeof value === 'string' ? JSON.stringify(maskPassword(value).slice(0, 100)) : typeof value;
  return [{ path, message: `${shown} is not a Postgres connection URL: use postgres://user:password@host:5432/database` }];
}
