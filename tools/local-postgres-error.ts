/** The way out that always works: the suite, the demo and the benches use DATABASE_URL when it is set. */
export const USE_YOUR_OWN_SERVER = 'set DATABASE_URL=postgres://user:password@host:5432/postgres to use your own server';

/**
 * The embedded Postgres could not be started. `message` is one sentence: the cause, then the fix.
 * Printed, uncaught or by vitest, it is that sentence alone: no stack (it would only point into
 * the launcher), no cause (the sentence names it), no properties.
 */
export class LocalPostgresError extends Error {
  /** The lines initdb or postgres printed before failing; empty when neither ran. */
  declare readonly output: string;
  /** Whether the port was taken: a new free port may succeed. */
  declare readonly portInUse: boolean;

  /**
   * @param cause what went wrong, as a clause (no trailing period)
   * @param fix what to do about it besides DATABASE_URL, as a clause; omitted: only DATABASE_URL
   */
  constructor(cause: string, fix?: string, options: { output?: string; portInUse?: boolean } = {}) {
    super(`Cannot start the embedded Postgres: ${cause}; ${fix ? `${fix}, or ` : ''}${USE_YOUR_OWN_SERVER}.`);
    Object.defineProperties(this, {
      name: { value: 'LocalPostgresError', enumerable: false },
      output: { value: options.output ?? '', enumerable: false },
      portInUse: { value: options.portInUse ?? false, enumerable: false },
      stack: { value: `LocalPostgresError: ${this.message}`, enumerable: false, writable: true },
    });
  }
}

/** `EACCES` for a system error, otherwise its message. */
export function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}
