// A batch of plain workflow completions is sent as one text of statements with its values
// written in as literals (the simple protocol takes no parameters): the workflow ids and the
// names of the tasks just finished. Task names are the application's own text, so they must
// arrive byte for byte whatever the session's string settings: with standard_conforming_strings
// off, a plain '' literal would end early at a backslash-quote.
import pg from 'pg';
import * as v from 'valibot';
import { expect, test } from 'vitest';
import { defineJob, work } from '../../src/index.js';
import { startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const url = new URL(t.url);
url.searchParams.set('options', '-c standard_conforming_strings=off');
const oldStrings = new pg.Pool({ connectionString: url.toString(), max: 4 });
oldStrings.on('error', () => {}); // a connection still open when the database is dropped

const FIRST = String.raw`it's \' done; \\ "quoted" $1 E'x'`;
const touch = defineJob({ kind: 'wf_touch', args: v.object({ n: v.number() }) });

test('task names with quotes, backslashes and $n release their dependents, with standard_conforming_strings off', async () => {
  const { rows } = await oldStrings.query('SHOW standard_conforming_strings');
  expect(rows[0].standard_conforming_strings).toBe('off');
  const client = await startClient(t, { pool: oldStrings, queues: { default: { maxWorkers: 2 } }, workers: [work(touch, () => {})] });
  const wf = client.workflow({ name: String.raw`order \'7` });
  const first = wf.add(FIRST, touch, { n: 1 });
  const second = wf.add(String.raw`then \\'`, touch, { n: 2 }, { deps: [first] });
  const inserted = await wf.insert(t.db);
  expect(inserted.job(second).state).toBe('pending');
  await waitForState(t, inserted.job(second).id, 'completed');
  const { rows: stored } = await t.pool.query(`SELECT metadata -> 'tributary:workflow' ->> 'task' AS task FROM river_job WHERE id = $1`, [inserted.job(first).id]);
  expect(stored[0].task).toBe(FIRST);
  await client.stop();
  await oldStrings.end();
});
