import { expect, test } from 'vitest';
import { createTestDatabase } from '../support/test-database.js';
import { startCli } from './cli-process.js';

const t = await createTestDatabase({ empty: true });

test('works its demo jobs, serves the UI, and stops cleanly on SIGINT', async () => {
  const demo = startCli(['demo', '--port', '0', '--database-url', t.url]);
  const [, url] = await demo.waitForOutput(/^UI: (http:\/\/127\.0\.0\.1:\d+\/)$/m);
  await demo.waitForOutput(/^completed +demo_send_welcome +job \d+ +attempt 1/m);
  // The failing job is retried 2 s after its first attempt, and then completes.
  await demo.waitForOutput(/^failed +demo_sync_inventory +job \d+ +attempt 1 .*timed out.*; retry in \d s$/m);
  await demo.waitForOutput(/^completed +demo_sync_inventory +job \d+ +attempt 2/m);
  expect((await fetch(`${url}api/settings`)).status).toBe(200);

  demo.child.kill('SIGINT');
  expect(await demo.exited).toBe(0);
  expect(demo.stdout).toMatch(/SIGINT: finishing running jobs, then stopping\nstopped\n$/);
  expect(demo.stderr).toBe('');
  const jobs = await t.query(`SELECT kind, state FROM tributary_demo.river_job ORDER BY id`);
  expect(jobs).toHaveLength(6);
  expect(jobs.find((j) => j.kind === 'demo_send_reminder')).toEqual({ kind: 'demo_send_reminder', state: 'scheduled' });
});

test('--no-ui and --schema', async () => {
  const demo = startCli(['demo', '--no-ui', '--schema', 'cli_demo', '--database-url', t.url]);
  await demo.waitForOutput(/^completed +demo_/m);
  expect(demo.stdout).not.toContain('UI:');
  demo.child.kill('SIGTERM');
  expect(await demo.exited).toBe(0);
  expect((await t.query(`SELECT count(*)::int AS n FROM cli_demo.river_job`))[0]!.n).toBe(6);
});
