#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { migrateCommand } from './migrate-command.js';
import { uiCommand } from './ui-command.js';
import { benchCommand } from './bench-command.js';
import { demoCommand } from './demo-command.js';
import { jobsCommand } from './jobs-command.js';
import { queuesCommand } from './queues-command.js';
import { sequencesCommand } from './sequences-command.js';
import { workflowsCommand } from './workflows-command.js';
import { UsageError } from './usage-error.js';

// Read when run, through the package's own name: the CLI is bundled into dist/cli.js, and the
// package.json beside dist/ is the one whose version was published.
const { version } = createRequire(import.meta.url)('tributary-queue/package.json') as { version: string };

const program = new Command('tributary')
  .description('Tributary: a background job queue on Postgres and Drizzle, compatible with River')
  .version(version, '-V, --version', 'print the version of tributary-queue')
  .showHelpAfterError()
  .exitOverride()
  .addCommand(migrateCommand())
  .addCommand(uiCommand())
  .addCommand(jobsCommand())
  .addCommand(queuesCommand())
  .addCommand(sequencesCommand())
  .addCommand(workflowsCommand())
  .addCommand(benchCommand())
  .addCommand(demoCommand());

// Commands built in their own modules do not inherit these settings; apply them to every level.
const configure = (command: Command): void => {
  command.exitOverride().showHelpAfterError();
  command.commands.forEach(configure);
};
configure(program);

// Exit codes as a shell user expects: 0 done (or help shown), 1 the operation failed, 2 the
// command line was wrong.
program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    return;
  }
  console.error(`tributary: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
