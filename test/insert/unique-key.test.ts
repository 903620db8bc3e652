import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  sortedTopLevelJson,
  statesFromBits,
  truncateToPeriod,
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
  ])('%j hashes %s', (opts, expected) => {
    expect(uniqueKeyString(params, opts, now)).toBe(expected);
    expect(uniqueKey(params, opts, now)).toEqual(createHash('sha256').update(expected).digest());
    expect(uniqueKey(params, opts, now)).toHaveLength(32);
  });

  test('sorts only top-level keys, by bytes, and drops undefined ones', () => {
    expect(sortedTopLevelJson({ b: 1, B: 2, a: undefined, é: 3, _: { d: 1, c: 2 } })).toBe('{"B":2,"_":{"d":1,"c":2},"b":1,"é":3}');
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
