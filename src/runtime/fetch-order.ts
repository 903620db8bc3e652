import type { JobRow } from '../job-row.js';

/** Priority, then scheduled time, then id: the order the fetch statement locks jobs in. */
export const byFetchOrder = (a: JobRow<unknown>, b: JobRow<unknown>): number =>
  a.priority - b.priority || a.scheduledAt.getTime() - b.scheduledAt.getTime() || a.id - b.id;

/**
 * Hands on the jobs of overlapping fetches in the order the fetches began. Two refills may be in
 * flight at once, and the later one skips the rows the earlier one locked, so it holds the
 * lower-priority jobs; if it answered first and its jobs started at once, a single worker
 * would run a priority 4 job before the priority 3 job the earlier fetch was still bringing.
 */
export class FetchOrder {
  private nextTicket = 0;
  private nextToLand = 0;
  private readonly landed = new Map<number, JobRow<unknown>[]>();

  /** A ticket for a fetch about to be sent; every ticket must be given back to {@link land}. */
  begin(): number {
    return this.nextTicket++;
  }

  /**
   * The jobs that may be buffered now: this fetch's and those of later fetches that landed
   * before it, or none while an earlier fetch is still out (its jobs come first).
   */
  land(ticket: number, jobs: JobRow<unknown>[]): JobRow<unknown>[] {
    if (ticket === this.nextToLand && this.landed.size === 0) {
      this.nextToLand++;
      return jobs;
    }
    this.landed.set(ticket, jobs);
    const ready: JobRow<unknown>[] = [];
    for (let next = this.landed.get(this.nextToLand); next; next = this.landed.get(this.nextToLand)) {
      this.landed.delete(this.nextToLand++);
      ready.push(...next);
    }
    return ready;
  }
}
