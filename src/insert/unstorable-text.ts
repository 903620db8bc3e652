import type { ValidationIssue } from '../errors.js';

// JSON.stringify writes a NUL as \u0000 and a lone surrogate as \ud800 to \udfff, the only
// ways either can reach the JSON text; a literal backslash-u in a string also matches, and the
// walk then finds nothing.
const MAYBE_UNSTORABLE = /\\u(0000|d[89a-f])/;

/**
 * Strings (and keys) of a JSON value that Postgres cannot store in jsonb: a NUL character, or a
 * lone UTF-16 surrogate (no character at all). Postgres would reject the whole batch ("unsupported
 * Unicode escape sequence", "Unicode low surrogate must follow a high surrogate") without naming
 * the job or the field. `json` is the value's JSON text, searched first so that the value is
 * walked only when one may be there.
 */
export function unstorableTextIssues(value: unknown, json: string, path: string): ValidationIssue[] {
  if (!MAYBE_UNSTORABLE.test(json)) return [];
  const issues: ValidationIssue[] = [];
  walk(value, path, issues);
  return issues;
}

// Code units, not code points (no u flag): a high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function problem(text: string): string | undefined {
  if (text.includes('\0')) return 'contains a NUL character (\\u0000), which Postgres cannot store in jsonb';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (half of a character), which Postgres cannot store in jsonb';
  return undefined;
}

function walk(value: unknown, path: string, issues: ValidationIssue[]): void {
  if (typeof value === 'string') {
    const message = problem(value);
    if (message) issues.push({ path, message });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${path}[${i}]`, issues));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const message = problem(key);
      if (message) issues.push({ path: `${path}[${JSON.stringify(key)}]`, message: `has a key that ${message}` });
      walk(item, `${path}.${key}`, issues);
    }
  }
}
