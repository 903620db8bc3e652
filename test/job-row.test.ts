import { describe, expect, test } from 'vitest';
import { jobRowFromJson } from '../src/job-row.js';

const base = {
  id: '7', state: 'running', attempt: 1, max_attempts: 25, attempted_at: null, created_at: '2024-01-01T00:00:00+00:00',
  finalized_at: null, scheduled_at: '2024-01-01T00:00:00+00:00', priority: 1, args: {}, attempted_by: null,
  kind: 'k', metadata: {}, queue: 'default', tags: [], unique_key: null, unique_states: null,
};

describe('rows written by other clients', () => {
  test('malformed error entries and metadata are read, never thrown on', () => {
    const row = jobRowFromJson({ ...base, errors: ['not json', 42, { at: '2024-01-01T00:00:00Z', attempt: 1, error: 'boom', trace: 't' }], metadata: [] });
    expect(row.errors.map((e) => e.error)).toEqual(['not json', '42', 'boom']);
    expect(row.errors[2]).toEqual({ at: new Date('2024-01-01T00:00:00Z'), attempt: 1, error: 'boom', trace: 't' });
    expect(row.metadata).toEqual({});
    expect(row.id).toBe(7);
    expect(row.attemptedBy).toEqual([]);
  });

  test('bytea and bit strings as Postgres renders them in JSON', () => {
    const row = jobRowFromJson({ ...base, errors: null, unique_key: '\\x' + 'ab'.repeat(32), unique_states: '11110101' });
    expect(row.uniqueKey).toEqual(Buffer.alloc(32, 0xab));
    expect(row.uniqueStates).toEqual(['available', 'completed', 'pending', 'retryable', 'running', 'scheduled']);
  });
});
