import { CronExpressionParser } from 'cron-parser';

/** When something recurring runs next. */
export interface Schedule {
  /** The first run strictly after `after`. */
  next(after: Date): Date;
}

const CRON_FIELDS = new Set([5, 6]);

/**
 * Why `expression` is not a cron expression Tributary accepts, by its shape alone, or undefined.
 * cron-parser also takes fewer fields and fills in the rest: too easy to misread.
 */
export function cronShapeProblem(expression: string): string | undefined {
  const trimmed = expression.trim();
  if (trimmed.startsWith('@') || CRON_FIELDS.has(trimmed.split(/\s+/).length)) return undefined;
  return `must have 5 fields (minute first) or 6 (second first), or be a nickname such as @hourly, got ${JSON.stringify(expression)}`;
}

/**
 * A cron schedule through cron-parser: 5 fields (minute first), 6 (second first), or a nickname
 * such as `@hourly` and `@daily`, evaluated in `timezone` (an IANA name; default UTC).
 * @throws Error with cron-parser's explanation when the expression or time zone is invalid.
 */
export function cronSchedule(expression: string, timezone = 'UTC'): Schedule {
  const shape = cronShapeProblem(expression);
  if (shape) throw new Error(shape);
  if (!isTimeZone(timezone)) throw new Error(`unknown time zone ${JSON.stringify(timezone)}`);
  // Parse once now so a bad expression fails at configuration time, not at the first tick.
  CronExpressionParser.parse(expression, { tz: timezone });
  return {
    next: (after) => CronExpressionParser.parse(expression, { currentDate: after, tz: timezone }).next().toDate(),
  };
}

/** A fixed interval, in ms, counted from `after`. */
export function everySchedule(intervalMs: number): Schedule {
  return { next: (after) => new Date(after.getTime() + intervalMs) };
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
