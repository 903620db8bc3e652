import { Command, InvalidArgumentError, Option } from 'commander';
import { serveUi } from '../ui/serve.js';
import { databaseUrlOption, schemaOption, type DatabaseOptions } from './options.js';
import { portNumber } from './parse.js';
import { withClient } from './with-client.js';

interface UiCommandOptions extends DatabaseOptions {
  port: number;
  host: string;
  basePath?: string;
  basicAuth?: { username: string; password: string };
  readOnly?: boolean;
  hideArgs?: boolean;
}

const credentials = (value: string) => {
  const at = value.indexOf(':');
  if (at <= 0 || at === value.length - 1) throw new InvalidArgumentError('must be user:password');
  return { username: value.slice(0, at), password: value.slice(at + 1) };
};

/** Serves until SIGINT or SIGTERM, then closes the server and the pool. */
async function ui(opts: UiCommandOptions): Promise<void> {
  await withClient(opts, async (client) => {
    const server = await serveUi(client, {
      port: opts.port,
      host: opts.host,
      basePath: opts.basePath,
      basicAuth: opts.basicAuth,
      readOnly: opts.readOnly,
      hideArgs: opts.hideArgs,
    });
    console.log(`Tributary UI on ${server.url}${opts.basicAuth ? ' (basic auth)' : ''}${opts.readOnly ? ' (read-only)' : ''}; Ctrl-C stops it`);
    if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host) && !opts.basicAuth) {
      console.error(`tributary: warning: listening on ${opts.host} without --basic-auth: anyone who can reach it can retry, cancel and delete jobs`);
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
  });
}

/** `tributary ui`. */
export function uiCommand(): Command {
  return new Command('ui')
    .description('serve the web UI: jobs by state, a job\'s errors, retry, cancel, delete, queues, pause and resume')
    .addOption(databaseUrlOption())
    .addOption(schemaOption())
    .addOption(new Option('--port <n>', 'TCP port (0 picks a free one)').argParser(portNumber).default(8080))
    .addOption(new Option('--host <address>', 'interface to bind; the default keeps it to this machine').default('127.0.0.1'))
    .addOption(new Option('--base-path <path>', "serve under this path, such as /jobs (behind a proxy)"))
    .addOption(new Option('--basic-auth <user:password>', 'require HTTP basic auth').env('TRIBUTARY_UI_BASIC_AUTH').argParser(credentials))
    .option('--read-only', 'show everything, change nothing')
    .option('--hide-args', 'never send job args to the browser')
    .action(ui);
}
