/**
 * The values a poison handler throws: what a real handler can produce and the database cannot
 * store as is (jsonb refuses \u0000 and lone surrogates), cannot hold whole (a 10 MB stack), or
 * JSON.stringify cannot write (a circular object, a bigint), and throws that are not Errors.
 */
import type { Poison } from './jobs.js';

const HUGE = 10 * 1024 * 1024;

export function poisonValue(poison: Poison): unknown {
  switch (poison) {
    case 'nul':
      return new Error('bad byte \u0000 in the message');
    case 'surrogate':
      return new Error('lone surrogate \ud800 in the message');
    case 'huge-stack': {
      const error = new Error('an error with a 10 MB stack');
      error.stack = `Error: an error with a 10 MB stack\n${'    at deep (file.js:1:1)\n'.repeat(HUGE / 26)}`;
      return error;
    }
    case 'string':
      return 'a thrown string';
    case 'object':
      return { code: 'E_OBJECT', detail: 'a thrown plain object' };
    case 'undefined':
      return undefined;
    case 'circular': {
      const value: Record<string, unknown> = { name: 'circular' };
      value.self = value;
      return value;
    }
    case 'bigint':
      return { amount: 10n ** 30n };
    case 'symbol':
      return Symbol('a thrown symbol');
  }
}
