/**
 * Faults a client met and survived, counted since it was made: read them with `client.faults`
 * to feed metrics or alerts. Each is also logged when it happens.
 */
export interface ClientFaults {
  /** Errors raised on the pool's connections (a restarting server, a terminated backend). */
  connectionErrors: number;
  /** Fetches that failed; the producer tries again at its next poll. */
  fetchFailures: number;
  /** Outcome writes that failed in a way that passes (a lost connection) and were sent again. */
  outcomeRetries: number;
  /**
   * Outcomes Postgres refused as they were; each job was stored with an error saying why
   * instead, or discarded when even that was refused.
   */
  outcomesRewritten: number;
  /** Outcomes that could not be stored in any form: their jobs were left running. */
  outcomesUnwritable: number;
}

/** A fresh set of counters, all zero. */
export const noFaults = (): ClientFaults => ({
  connectionErrors: 0,
  fetchFailures: 0,
  outcomeRetries: 0,
  outcomesRewritten: 0,
  outcomesUnwritable: 0,
});
