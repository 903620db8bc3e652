import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { goJson, goJsonString } from '../../src/insert/go-json.js';
import {
  statesFromBits,
  truncateToPeriod,
  uniqueArgsJson,
  uniqueKey,
  uniqueKeyString,
  uniqueStatesBits,
} from '../../src/insert/unique-key.js';

const params = { kind: 'send_email', args: { to: 'a@example.com', b: [2, 1], a: { z: 1, y: 2 } }, queue: 'mail' };
const now = new Date('2024-05-15T10:37:12.345Z');

describe("River's unique key", () => {
  test.each([
    [{ byArgs: true }, '&kind=send_email&args={"a":{"z":1,"y":2},"b":[2,1],"to":"a@example.com"}'],
    [{ byQueue: true }, '&kind=send_email&queue=mail'],
    [{ byPeriod: 15 * 60_000 }, '&kind=send_email&period=2024-05-15T10:30:00Z'],
    [{ byArgs: true, byPeriod: 3_600_000, byQueue: true, excludeKind: true }, '&args={"a":{"z":1,"y":2},"b":[2,1],"to":"a@example.com"}&period=2024-05-15T10:00:00Z&queue=mail'],
    [{ byState: ['available', 'pending', 'running', 'scheduled'] as const }, '&kind=send_email'],
    [{ byArgs: ['to', 'b'] }, '&kind=send_email&args={"b":[2,1],"to":"a@example.com"}'],
  ])('%j hashes %s', (opts, expected) => {
    expect(uniqueKeyString(params, opts, now)).toBe(expected);
    expect(uniqueKey(params, opts, now)).toEqual(createHash('sha256').update(expected).digest());
    expect(uniqueKey(params, opts, now)).toHaveLength(32);
  });

  test('periods count from Go zero time, so weeks start on Monday as in River', () => {
    expect(truncateToPeriod(now, 7 * 24 * 3_600_000).toISOString()).toBe('2024-05-13T00:00:00.000Z');
    expect(truncateToPeriod(now, 24 * 3_600_000).toISOString()).toBe('2024-05-15T00:00:00.000Z');
    expect(truncateToPeriod(new Date('1960-03-01T12:34:56Z'), 3_600_000).toISOString()).toBe('1960-03-01T12:00:00.000Z');
  });

  test('unique states: scheduled is the leftmost bit, available the rightmost; default 245', () => {
    expect(uniqueStatesBits()).toBe('11110101');
    expect(parseInt(uniqueStatesBits(), 2)).toBe(245);
    expect(uniqueStatesBits(['available'])).toBe('00000001');
    expect(uniqueStatesBits(['scheduled'])).toBe('10000000');
    expect(statesFromBits('11110101')).toEqual(['available', 'completed', 'pending', 'retryable', 'running', 'scheduled']);
  });
});

// River hashes args as Go's encoding/json wrote them (json.Marshal), re-assembled by sjson with
// the top-level keys sorted and each value's bytes kept. The vectors file covers strings; these
// pin the rest of that rule.
describe('args as River writes them', () => {
  test('Go escapes <, >, &, U+2028 and U+2029 where JSON.stringify does not', () => {
    expect(goJsonString('a<b>&c\u2028d\u2029')).toBe('"a\\u003cb\\u003e\\u0026c\\u2028d\\u2029"');
    // The rest as JSON.stringify: short escapes (Go 1.22+ writes \b and \f too), lowercase hex, DEL and non-ASCII raw.
    expect(goJsonString('\b\f\n\r\t\u0000\u001f\u007f"\\/é😀')).toBe('"\\b\\f\\n\\r\\t\\u0000\\u001f\u007f\\"\\\\/é😀"');
  });

  test('numbers as Go formats a float64: ES6 digits and exponents, and -0', () => {
    expect(goJson([0, -0, 1, -1.5, 0.1, 1e-6, 1e-7, 1.5e-7, 123456789012345680000, 1e21, 2 ** 53])).toBe(
      '[0,-0,1,-1.5,0.1,0.000001,1e-7,1.5e-7,123456789012345680000,1e+21,9007199254740992]',
    );
  });

  test('top-level keys sorted by UTF-8 bytes, not UTF-16 units; nested objects keep their own order', () => {
    // U+FFFF sorts before U+1F600 in UTF-8 (EF.. < F0..) but after it in UTF-16 (FFFF > D83D).
    const args = { z: 1, '😀': 2, '\uffff': 3, é: 4, B: 5, _: { d: 1, c: { y: 1, x: 2 } }, '10': 6, '9': 7 };
    expect(uniqueArgsJson(args)).toBe('{"10":6,"9":7,"B":5,"_":{"d":1,"c":{"y":1,"x":2}},"z":1,"é":4,"\uffff":3,"😀":2}');
  });

  test('a top-level key is quoted raw unless it needs encoding; nested keys always go through Go', () => {
    // sjson writes a plain ASCII key as it is, so <>& stay raw there...
    expect(uniqueArgsJson({ 'a<b&c': 1 })).toBe('{"a<b&c":1}');
    // ...but a non-ASCII, control, quote or backslash character sends the whole key through Go.
    expect(uniqueArgsJson({ 'é<': 1, 'q"<': 2, 'nl\n<': 3 })).toBe('{"nl\\n\\u003c":3,"q\\"\\u003c":2,"é\\u003c":1}');
    expect(uniqueArgsJson({ o: { 'a<b': '\u2028' } })).toBe('{"o":{"a\\u003cb":"\\u2028"}}');
  });

  test('undefined is left out as JSON.stringify stores it; null is kept; empty args are {}', () => {
    expect(uniqueArgsJson({ a: undefined, b: null, c: [undefined, 1], d: { e: undefined } })).toBe('{"b":null,"c":[null,1],"d":{}}');
    expect(uniqueArgsJson({})).toBe('{}');
  });

  test('byArgs fields: only those, sorted; absent ones left out; none present is an empty args part', () => {
    const args = { region: 'eu', accountId: 7, note: 'ignored' };
    expect(uniqueArgsJson(args, ['region', 'accountId'])).toBe('{"accountId":7,"region":"eu"}');
    expect(uniqueArgsJson(args, ['accountId', 'missing'])).toBe('{"accountId":7}');
    expect(uniqueArgsJson({ note: 'x', gone: undefined }, ['gone', 'missing'])).toBe('');
    expect(uniqueKeyString({ kind: 'k', args, queue: 'q' }, { byArgs: ['missing'] }, now)).toBe('&kind=k&args=');
  });

  test('the key is the same whatever order the caller wrote the top-level keys in', () => {
    const a = uniqueKey({ kind: 'k', args: { b: 1, a: 2 }, queue: 'q' }, { byArgs: true }, now);
    const b = uniqueKey({ kind: 'k', args: { a: 2, b: 1 }, queue: 'q' }, { byArgs: true }, now);
    expect(a).toEqual(b);
  });
});
