import { expect, test } from 'vitest';
import { createTestDatabase } from '../support/test-database.js';
import { runCli, startCli } from './cli-process.js';

const t = await createTestDatabase({ empty: true });
const benchSchemas = async () => (await t.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tributary_bench_%'`)).map((r) => r.nspname);

test('inserts and drains N no-op jobs in a scratch schema, prints jobs/s, then drops the schema', async () => {
  const result = await runCli(['bench', '--jobs', '200', '--concurrency', '10', '--database-url', t.url]);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^insert: 200 jobs in \d+\.\d\d s, [\d,]+ jobs\/s \(insertMany, batches of 1,000\)\ndrain:  200 jobs in \d+\.\d\d s, [\d,]+ jobs\/s \(maxWorkers 10, prefetch 0\)\n$/);
  const schema = /migrating scratch schema (tributary_bench_[0-9a-f]{8})/.exec(result.stderr)?.[1];
  expect(schema).toBeDefined();
  expect(result.stderr).toContain(`dropped schema ${schema}`);
  expect(await benchSchemas()).toEqual([]);
  // Nothing was left in the database's own schema either.
  expect(await t.query(`SELECT to_regclass('public.river_job') AS r`)).toEqual([{ r: null }]);
});

test('Ctrl-C stops it and still drops the scratch schema (exit 130)', async () => {
  const bench = startCli(['bench', '--jobs', '2000000', '--database-url', t.url]);
  const [, schema] = await bench.waitForOutput(/migrating scratch schema (tributary_bench_\w+)/);
  await bench.waitForOutput(/inserting 2,000,000 no-op jobs/);
  bench.child.kill('SIGINT');
  expect(await bench.exited).toBe(130);
  expect(bench.stderr).toContain(`SIGINT: stopping, then dropping schema ${schema}`);
  expect(bench.stderr).toContain(`dropped schema ${schema}`);
  expect(await benchSchemas()).toEqual([]);
});
