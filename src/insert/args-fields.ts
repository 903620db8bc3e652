import { didYouMean } from '../did-you-mean.js';
import type { ValidationIssue } from '../errors.js';

interface SchemaShape {
  type?: unknown;
  entries?: Record<string, unknown>;
  options?: unknown;
}

/**
 * The top-level fields an args schema can output, when the schema says: valibot's `object` and
 * `strictObject` (an `object` drops undeclared keys), and unions and variants of them. Undefined
 * for any other schema (a loose object, another library), whose fields cannot be known ahead.
 */
export function declaredArgsFields(schema: unknown): ReadonlySet<string> | undefined {
  const shape = schema as SchemaShape | null;
  if ((shape?.type === 'object' || shape?.type === 'strict_object') && typeof shape.entries === 'object' && shape.entries) {
    return new Set(Object.keys(shape.entries));
  }
  if ((shape?.type === 'union' || shape?.type === 'variant') && Array.isArray(shape.options)) {
    const fields = new Set<string>();
    for (const option of shape.options) {
      const own = declaredArgsFields(option);
      if (!own) return undefined;
      for (const field of own) fields.add(field);
    }
    return fields;
  }
  return undefined;
}

/**
 * Names in `opts.uniqueOpts.byArgs` and `opts.sequence.byArgs` that the job's args schema does
 * not declare, so could never be in its key. Other problems with the lists are
 * `insertOptsIssues`'s; this only adds what needs the job's schema.
 */
export function byArgsFieldIssues(opts: unknown, path: string, schema: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const option of ['uniqueOpts', 'sequence'] as const) {
    const names = (opts as Record<string, { byArgs?: unknown } | undefined> | undefined)?.[option]?.byArgs;
    if (!Array.isArray(names)) continue;
    const fields = declaredArgsFields(schema);
    if (!fields) return [];
    names.forEach((name: unknown, i) => {
      // Malformed names are insertOptsIssues' to report; only a well-formed one can be unknown.
      if (typeof name !== 'string' || name === '' || name.includes('.') || fields.has(name)) return;
      const guess = didYouMean(name, fields);
      issues.push({
        path: `${path}.${option}.byArgs[${i}]`,
        message: `"${name}" is not a field of the job's args${guess ? `; did you mean "${guess}"?` : ''} (fields: ${[...fields].join(', ')})`,
      });
    });
  }
  return issues;
}
