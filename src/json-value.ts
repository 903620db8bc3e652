import type { ValidationIssue } from './errors.js';

/** A value that survives `JSON.stringify` then `JSON.parse` unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object, as stored in `args` and `metadata`. */
export type JsonObject = { [key: string]: JsonValue };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'a class'}`;
  return `a ${typeof value}`;
}

/**
 * Lists what would not come back the same after a round trip through JSON, so args and
 * metadata are stored exactly as a worker (in any language) will read them.
 */
export function jsonIssues(value: unknown, path: string, issues: ValidationIssue[] = []): ValidationIssue[] {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return issues;
    case 'number':
      if (!Number.isFinite(value)) issues.push({ path, message: `${value} is not representable in JSON` });
      return issues;
    case 'object':
      if (value === null) return issues;
      if (Array.isArray(value)) {
        value.forEach((item, i) => jsonIssues(item, `${path}[${i}]`, issues));
        return issues;
      }
      if (!isPlainObject(value)) {
        const hint = value instanceof Date ? ' (pass date.toISOString() and describe it as a string)' : '';
        issues.push({ path, message: `${describe(value)} is not a JSON value${hint}` });
        return issues;
      }
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined) continue; // dropped by JSON, as an absent optional field is
        jsonIssues(item, `${path}.${key}`, issues);
      }
      return issues;
    default:
      issues.push({ path, message: `${describe(value)} is not a JSON value` });
      return issues;
  }
}
