import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Client } from '../client.js';
import { throwIfIssues } from '../errors.js';
import { createUiHandler } from './handler.js';
import { uiOptionIssues, type UiOptions } from './options.js';

/** Options of {@link serveUi}: where to listen, and the handler's own options. */
export interface ServeUiOptions extends UiOptions {
  /** TCP port; 0 picks a free one. Default 8080. */
  port?: number;
  /**
   * Interface to bind. Default `'127.0.0.1'`: only this machine can reach the UI. Bind a public
   * interface only behind `basicAuth` or `authorize` (and TLS).
   */
  host?: string;
}

/** A running UI server. */
export interface UiServer {
  /** The address to open, such as `http://127.0.0.1:8080/`. */
  url: string;
  close(): Promise<void>;
}

/** Serves the UI on its own HTTP server (what `tributary ui` runs). */
export async function serveUi(client: Client, options: ServeUiOptions = {}): Promise<UiServer> {
  const issues = uiOptionIssues(options, ['port', 'host']);
  const { port = 8080, host = '127.0.0.1', ...uiOptions } = options ?? {};
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535)) issues.push({ path: 'port', message: `must be a port number from 0 to 65535, got ${String(port)}` });
  if (typeof host !== 'string' || host === '') issues.push({ path: 'host', message: `must be a host name or address such as '127.0.0.1', got ${JSON.stringify(host)}` });
  throwIfIssues('serveUi', issues);
  const handler = createUiHandler(client, uiOptions);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: handler, port, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}${uiOptions.basePath ?? ''}/`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
