import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { Client, defineJob } from '../../src/index.js';
import { createTestDatabase } from '../support/test-database.js';

// Unique keys River's own Go client (v0.43.0) stored, each for a job inserted with
// UniqueOpts{ByArgs: true} and args given as a Go map; `args_text` is the row's args as Postgres
// returns them (jsonb: spaces, keys reordered). Copied from the shared interop notes.
interface Vector {
  kind: string;
  args_text: string;
  unique_key_hex: string;
  unique_states: string;
}
const { vectors } = JSON.parse(readFileSync(new URL('../fixtures/river-unique-key-vectors.json', import.meta.url), 'utf8')) as {
  vectors: Vector[];
};

const client = new Client();
const jobOf = (kind: string) => defineJob({ kind, args: v.record(v.string(), v.unknown()) });

// River's unique insert, in its shape: its ON CONFLICT clause names River's SQL function.
const riverInsert = `
  INSERT INTO river_job (args, kind, max_attempts, unique_key, unique_states)
  VALUES ($1::jsonb, $2, 25, decode($3, 'hex'), $4::bit(8))
  ON CONFLICT (unique_key)
    WHERE unique_key IS NOT NULL AND unique_states IS NOT NULL AND river_job_state_in_bitmask(unique_states, state)
    DO UPDATE SET kind = EXCLUDED.kind
  RETURNING id::int, (xmax != 0) AS skipped`;

describe("unique keys River's Go client stored", () => {
  test('the file holds the cases it is meant to', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(6);
  });

  describe('Tributary first: it stores the key and states River stored', async () => {
    const t = await createTestDatabase();
    test.each(vectors)('$kind: $args_text', async (vector) => {
      const { job, uniqueSkippedAsDuplicate } = await client.insert(t.db, jobOf(vector.kind), JSON.parse(vector.args_text), {
        uniqueOpts: { byArgs: true },
      });
      expect(uniqueSkippedAsDuplicate).toBe(false);
      expect(job.uniqueKey?.toString('hex')).toBe(vector.unique_key_hex);
      const [row] = await t.query(`SELECT encode(unique_key, 'hex') AS key, unique_states::text AS states FROM river_job WHERE id = $1`, [job.id]);
      expect(row).toEqual({ key: vector.unique_key_hex, states: vector.unique_states });

      // River inserting the same job afterwards finds Tributary's.
      const [river] = await t.query(riverInsert, [vector.args_text, vector.kind, vector.unique_key_hex, vector.unique_states]);
      expect(river).toEqual({ id: job.id, skipped: true });
    });
  });

  describe("River first: Tributary's insert of the same args is its duplicate", async () => {
    const t = await createTestDatabase();
    test.each(vectors)('$kind: $args_text', async (vector) => {
      const [river] = await t.query<{ id: number; skipped: boolean }>(riverInsert, [
        vector.args_text,
        vector.kind,
        vector.unique_key_hex,
        vector.unique_states,
      ]);
      expect(river?.skipped).toBe(false);
      const { job, uniqueSkippedAsDuplicate } = await client.insert(t.db, jobOf(vector.kind), JSON.parse(vector.args_text), {
        uniqueOpts: { byArgs: true },
      });
      expect(uniqueSkippedAsDuplicate).toBe(true);
      expect(job.id).toBe(river?.id);
      expect(await t.query(`SELECT count(*)::int AS n FROM river_job WHERE kind = $1`, [vector.kind])).toEqual([{ n: 1 }]);
    });
  });
});
