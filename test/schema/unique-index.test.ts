import { describe, expect, test } from 'vitest';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();

// River's own unique insert, verbatim in shape: the function form of the predicate.
const riverInsert = `
  INSERT INTO river_job (args, kind, unique_key, unique_states, state, finalized_at)
  VALUES ('{}', 'river_kind', $1, $2::bit(8), $3::river_job_state, CASE WHEN $3 IN ('cancelled', 'completed', 'discarded') THEN now() END)
  ON CONFLICT (unique_key)
    WHERE unique_key IS NOT NULL
      AND unique_states IS NOT NULL
      AND river_job_state_in_bitmask(unique_states, state)
    DO UPDATE SET kind = EXCLUDED.kind
  RETURNING id, (xmax != 0) AS unique_skipped_as_duplicate`;

const key = (n: number) => Buffer.alloc(32, n);

describe('river_job_unique_idx', () => {
  test("River's ON CONFLICT clause, function form, infers the inline-CASE index", async () => {
    const explain = (await t.query(`EXPLAIN ${riverInsert}`, [key(1), '11110101', 'available'])).map((r) => r['QUERY PLAN']).join('\n');
    expect(explain).toContain('Conflict Arbiter Indexes: river_job_unique_idx');

    const [first] = await t.query(riverInsert, [key(1), '11110101', 'available']);
    const [second] = await t.query(riverInsert, [key(1), '11110101', 'available']);
    expect(first?.unique_skipped_as_duplicate).toBe(false);
    expect(second).toEqual({ id: first?.id, unique_skipped_as_duplicate: true });
  });

  test('the function matches the inline predicate for every state', async () => {
    const rows = await t.query(`
      SELECT s::text AS state, river_job_state_in_bitmask(B'10000001', s) AS in_mask
        FROM unnest(enum_range(NULL::river_job_state)) AS s`);
    expect(rows.filter((r) => r.in_mask).map((r) => r.state)).toEqual(['available', 'scheduled']);
  });

  test('a row outside its own unique states does not block a new one', async () => {
    // Mask 245: all but cancelled and discarded.
    await t.query(riverInsert, [key(2), '11110101', 'cancelled']);
    const [fresh] = await t.query(riverInsert, [key(2), '11110101', 'available']);
    expect(fresh?.unique_skipped_as_duplicate).toBe(false);
    const [dup] = await t.query(riverInsert, [key(2), '11110101', 'available']);
    expect(dup).toEqual({ id: fresh?.id, unique_skipped_as_duplicate: true });
  });

  test('a plain insert of a duplicate key in a covered state violates the index', async () => {
    await t.query(`INSERT INTO river_job (args, kind, unique_key, unique_states) VALUES ('{}', 'k', $1, B'11110101')`, [key(3)]);
    await expect(
      t.query(`INSERT INTO river_job (args, kind, unique_key, unique_states, state) VALUES ('{}', 'k', $1, B'11110101', 'scheduled')`, [key(3)]),
    ).rejects.toThrow(/river_job_unique_idx/);
    // No mask, or no key: never unique.
    await t.query(`INSERT INTO river_job (args, kind, unique_key) VALUES ('{}', 'k', $1), ('{}', 'k', $1)`, [key(3)]);
  });
});
