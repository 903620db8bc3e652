import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Client } from '../client.js';
import { QueryFailedError, TributaryError } from '../errors.js';
import { apiRoutes } from './api-routes.js';
import { appScript, bundledStyle } from './assets.js';
import { resolveUiOptions, type UiOptions } from './options.js';
import { pageHtml } from './page.js';
import { STYLE } from './style.js';
import { securityMiddleware } from './security.js';
import { THEME_SCRIPT } from './theme-script.js';

/** A Web-standard request handler: `(request) => Promise<Response>`. */
export type UiHandler = (request: Request) => Promise<Response>;

/**
 * The Tributary web UI as a Web-standard handler, to mount in any framework that speaks
 * `Request`/`Response`: Hono (`app.all('/jobs/*', (c) => ui(c.req.raw))`), Next.js route
 * handlers, Bun or Deno; Express through an adapter such as `@hono/node-server`'s.
 *
 * The client needs a `pool`; it need not be started. Changes (retry, cancel, delete, pause,
 * resume) are accepted only as same-origin JSON POSTs; see {@link UiOptions} for auth and the
 * read-only and hide-args modes.
 *
 * @throws ValidationError for bad options; TributaryError when the client has no pool.
 */
export function createUiHandler(client: Client, options: UiOptions = {}): UiHandler {
  const resolved = resolveUiOptions(options);
  if (!client?.config?.pool) throw new TributaryError('createUiHandler: the client needs a pool (new Client({ pool }))');
  // Not strict: `/admin/jobs/` is the page at `/admin/jobs` (and serveUi prints its URL with the slash).
  const app = new Hono({ strict: false }).basePath(resolved.basePath || '/');
  for (const guard of securityMiddleware(resolved)) app.use('*', guard);
  app.route('/api', apiRoutes(client, resolved));
  app.get('/assets/app.js', async (c) => c.body(await appScript(), 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/assets/theme.js', (c) => c.body(THEME_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/assets/app.css', async (c) => c.body(`${await bundledStyle()}\n${STYLE}`, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/', (c) => c.html(pageHtml(resolved.basePath, 'Tributary')));
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  app.onError((error, c) => {
    // Basic auth's 401 comes as an exception carrying its response.
    if (error instanceof HTTPException) return error.getResponse();
    // A database that is unreachable or lacks the tables is the server's problem, not the request's.
    const status = error instanceof QueryFailedError ? 503 : error instanceof TributaryError ? 400 : 500;
    if (status >= 500) client.config.logger.error('UI request failed', { error: String(error) });
    return c.json({ error: error instanceof Error ? error.message : String(error) }, status);
  });
  return async (request) => app.fetch(request);
}
