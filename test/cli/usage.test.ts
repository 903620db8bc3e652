import { describe, expect, test } from 'vitest';
import { runCli } from './cli-process.js';

const withoutDatabaseUrl = () => {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  return env;
};

describe('tributary command line', () => {
  test.each([
    [[]],
    [['jobs']],
    [['jobs', 'list']],
    [['jobs', 'get']],
    [['jobs', 'retry']],
    [['jobs', 'cancel']],
    [['jobs', 'delete']],
    [['queues']],
    [['queues', 'list']],
    [['queues', 'pause']],
    [['queues', 'resume']],
    [['sequences']],
    [['sequences', 'list']],
    [['sequences', 'get']],
    [['sequences', 'resume']],
    [['workflows']],
    [['workflows', 'get']],
    [['bench']],
    [['demo']],
  ])('%j --help prints usage, exit 0', async (args) => {
    const result = await runCli([...args, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: tributary/);
  });

  test('the top-level help lists every command', async () => {
    const { stdout } = await runCli(['--help']);
    for (const name of ['migrate', 'ui', 'jobs', 'queues', 'sequences', 'workflows', 'bench', 'demo']) expect(stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });

  test('bench --help points to npm run bench for the comparison with graphile-worker', async () => {
    const { stdout } = await runCli(['bench', '--help']);
    expect(stdout.replace(/\s+/g, ' ')).toContain('side-by-side comparison with graphile-worker, run `npm run bench`');
  });

  test.each([
    [['jobs', 'list'], /required option '--database-url <url>' not specified/],
    [['queues', 'list'], /required option '--database-url <url>' not specified/],
    [['bench'], /required option '--database-url <url>' not specified/],
    [['demo'], /required option '--database-url <url>' not specified/],
    [['jobs', 'frobnicate'], /unknown command 'frobnicate'/],
    [['jobs', 'get', 'abc', '--database-url', 'postgres://x'], /argument 'id'\. must be a positive integer/],
    [['jobs', 'list', '--order', 'sideways', '--database-url', 'postgres://x'], /argument 'sideways' is invalid\. Allowed choices are asc, desc/],
    [['bench', '--jobs', '0', '--database-url', 'postgres://x'], /option '--jobs <n>' argument '0' is invalid\. must be a positive integer/],
    [['demo', '--port', '70000', '--database-url', 'postgres://x'], /must be a port number from 0 to 65535/],
    [['queues', 'pause', '--database-url', 'postgres://x'], /missing required argument 'name'/],
  ])('%j is a usage error: exit 2', async (args, message) => {
    const result = await runCli(args, withoutDatabaseUrl());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  test.each([[['jobs', 'list']], [['queues', 'list']], [['jobs', 'retry', '1']], [['bench', '--jobs', '10']], [['demo', '--no-ui']]])(
    '%j on an unreachable database fails with exit 1',
    async (args) => {
      const result = await runCli([...args, '--database-url', 'postgres://nobody:x@127.0.0.1:1/none']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^tributary: .*ECONNREFUSED/);
    },
  );
});
