/** A job's history as times and attempts, read from its row: no DOM here, so tests run it in Node. */
/** The fields of a job (as the API sends it) that its timeline reads. */
export interface TimelineJob {
  state: string;
  attempt: number;
  attemptedAt: string | null;
  createdAt: string;
  finalizedAt: string | null;
  scheduledAt: string;
  attemptedBy: string[];
  errors: { at: string; attempt: number; error: string; attemptedAt?: string; attemptedBy?: string }[];
  metadata: Record<string, unknown>;
}

/** One attempt of a job: when it ran, who ran it, how it ended. */
export interface TimelineAttempt {
  attempt: number;
  /** Start (ms), or null when not recorded: River's row keeps only the last attempt's start. */
  start: number | null;
  /** End (ms), or null while it runs. */
  end: number | null;
  by: string | null;
  /** `failed`, or the job's final state for its last attempt, or `running`. */
  outcome: string;
  error: string | null;
}

export interface TimelineMark {
  at: number;
  kind: 'created' | 'scheduled' | 'finalized' | 'error' | 'fetched';
  label: string;
}

export interface Timeline {
  from: number;
  to: number;
  marks: TimelineMark[];
  attempts: TimelineAttempt[];
}

const ms = (value: string | null | undefined) => (value ? new Date(value).getTime() : null);
const FINAL = ['completed', 'cancelled', 'discarded'];

/** A duration as people read it: 850 ms, 12.3 s, 4 min 10 s, 2 h 5 min, 3 d 4 h. */
export function duration(millis: number): string {
  if (millis < 1000) return `${Math.round(millis)} ms`;
  const sec = millis / 1000;
  if (sec < 60) return `${sec.toFixed(sec < 10 ? 2 : 1)} s`;
  const [big, small, unit, smallUnit, per] = sec < 3600 ? [sec / 60, sec % 60, 'min', 's', 60] : sec < 86_400 ? [sec / 3600, (sec % 3600) / 60, 'h', 'min', 60] : [sec / 86_400, (sec % 86_400) / 3600, 'd', 'h', 24];
  const rest = Math.floor(small) % per;
  return `${Math.floor(big)} ${unit}${rest ? ` ${rest} ${smallUnit}` : ''}`;
}

/**
 * A job's history from its row: created, scheduled, each attempt (from `errors`, plus the last
 * one from `attempted_at` and `finalized_at`), finalized. Who ran an attempt comes from its
 * error entry, or else from `attempted_by` when that list maps one to one onto attempts (no
 * snooze, none dropped past the last 100).
 */
export function jobTimeline(job: TimelineJob, now: number): Timeline {
  const created = ms(job.createdAt)!;
  const attemptedAt = ms(job.attemptedAt);
  const finalizedAt = ms(job.finalizedAt);
  const snoozes = Number(job.metadata.snoozes ?? 0) || 0;
  const byIndex = snoozes === 0 && job.attemptedBy.length === job.attempt;
  const marks: TimelineMark[] = [{ at: created, kind: 'created', label: 'created' }];
  const attempts: TimelineAttempt[] = [];
  for (const e of [...job.errors].sort((a, b) => a.at.localeCompare(b.at))) {
    const at = ms(e.at)!;
    if (!(e.attempt >= 1)) {
      marks.push({ at, kind: 'error', label: e.error });
      continue;
    }
    attempts.push({ attempt: e.attempt, start: ms(e.attemptedAt), end: at, by: e.attemptedBy ?? (byIndex ? job.attemptedBy[e.attempt - 1] ?? null : null), outcome: 'failed', error: e.error });
  }
  const lastBy = job.attemptedBy.at(-1) ?? null;
  if (job.attempt >= 1 && attemptedAt !== null) {
    const failedLast = attempts.find((a) => a.attempt === job.attempt && a.end! >= attemptedAt);
    if (failedLast) {
      failedLast.start ??= attemptedAt;
      failedLast.by ??= lastBy;
      if (FINAL.includes(job.state)) failedLast.outcome = job.state;
    } else if (job.state === 'running') {
      attempts.push({ attempt: job.attempt, start: attemptedAt, end: null, by: lastBy, outcome: 'running', error: null });
    } else if (finalizedAt !== null) {
      attempts.push({ attempt: job.attempt, start: attemptedAt, end: finalizedAt, by: lastBy, outcome: job.state, error: null });
    } else {
      // Fetched since its last recorded attempt, and given the attempt back: a snooze.
      marks.push({ at: attemptedAt, kind: 'fetched', label: `last fetched by ${lastBy ?? '?'}${snoozes ? ' (snoozed)' : ''}` });
    }
  }
  const scheduled = ms(job.scheduledAt)!;
  if (!FINAL.includes(job.state) && job.state !== 'running') marks.push({ at: scheduled, kind: 'scheduled', label: job.state === 'pending' ? 'scheduled (waits on its deps)' : 'runs next' });
  else if (scheduled > created + 1000 && (attempts[0]?.start ?? Infinity) >= scheduled) marks.push({ at: scheduled, kind: 'scheduled', label: 'scheduled' });
  if (finalizedAt !== null) marks.push({ at: finalizedAt, kind: 'finalized', label: job.state });
  const times = [...marks.map((m) => m.at), ...attempts.flatMap((a) => [a.start ?? a.end!, a.end ?? now])];
  const to = Math.max(...times, job.state === 'running' ? now : 0);
  return { from: Math.min(...times), to, marks: marks.sort((a, b) => a.at - b.at), attempts };
}

