import type { JobInsertRow } from '../sql/job-insert-many.js';

/**
 * Whether `later`, an item of a batch with the same unique key as the earlier `first`, replaces
 * it, as it would inserted right after it: it replaces (`onConflict: 'replace'`), and `first`
 * made or found a job it may replace (not one inserted as pending, which is never replaced; not
 * another kind, which never gets these args).
 */
export function replacesEarlier(first: JobInsertRow, later: JobInsertRow): boolean {
  return later.replace && !first.pending && later.kind === first.kind;
}

/**
 * The rows to send for a batch: one per unique key (ON CONFLICT may not touch a row twice in one
 * statement). The first item of a key is sent; a later one that replaces it lends it its args,
 * schedule and priority, and makes it replace a waiting duplicate already stored, so the batch
 * ends as the same inserts made one after another would: the last replacing item wins.
 */
export function rowsToSend(rows: readonly JobInsertRow[]): JobInsertRow[] {
  const firstAt = new Map<string, number>();
  const sent: JobInsertRow[] = [];
  for (const row of rows) {
    if (row.unique_key === null) {
      sent.push(row);
      continue;
    }
    const at = firstAt.get(row.unique_key);
    if (at === undefined) {
      firstAt.set(row.unique_key, sent.length);
      sent.push(row);
      continue;
    }
    const first = sent[at]!;
    if (!replacesEarlier(first, row)) continue;
    sent[at] = { ...first, replace: true, args: row.args, priority: row.priority, scheduled_at: row.scheduled_at };
  }
  return sent;
}
