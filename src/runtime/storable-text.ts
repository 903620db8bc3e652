/** Most characters of an error message stored in a job's `errors`; the rest is cut. */
export const MAX_ERROR_MESSAGE_LENGTH = 8 * 1024;
/** Most characters of a stack trace stored in a job's `errors`: its top frames, the ones that matter. */
export const MAX_ERROR_TRACE_LENGTH = 16 * 1024;

// NUL, which neither text nor jsonb can hold; unpaired surrogates are left to toWellFormed().
const NUL = /\u0000/g;

/**
 * `text` as Postgres can store it in text and jsonb: at most `max` characters (the cut is marked
 * with how much was dropped), NUL and unpaired surrogates replaced by U+FFFD. jsonb refuses both
 * (`unsupported Unicode escape sequence`), and one such value used to fail a whole batch of
 * outcomes forever.
 */
export function storableText(text: string, max: number): string {
  let out = text;
  if (out.length > max) out = `${out.slice(0, max)}… [${(out.length - max).toLocaleString('en-US')} more characters cut]`;
  if (out.includes('\u0000')) out = out.replace(NUL, '\uFFFD');
  const wellFormed = out as unknown as WellFormedString;
  return wellFormed.isWellFormed() ? out : wellFormed.toWellFormed();
}

/** ES2024's string methods, in Node since 20, beyond this project's ES2022 library types. */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** Reads a property of something a worker threw, which may be a getter that throws. */
function read(read: () => unknown): string {
  try {
    const value = read();
    if (value === undefined || value === null) return '';
    return typeof value === 'string' ? value : String(value);
  } catch {
    return '';
  }
}

/** An error's message for a job's `errors`, storable whatever the worker threw. */
export function storableMessage(error: Error): string {
  const message = read(() => error.message) || read(() => error.name) || 'Error';
  return storableText(message, MAX_ERROR_MESSAGE_LENGTH);
}

/** An error's stack for a job's `errors`, storable whatever the worker threw. */
export function storableTrace(error: Error): string {
  return storableText(read(() => error.stack), MAX_ERROR_TRACE_LENGTH);
}
