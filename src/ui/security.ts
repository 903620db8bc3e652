import type { MiddlewareHandler } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { secureHeaders } from 'hono/secure-headers';
import type { ResolvedUiOptions } from './options.js';

/**
 * The UI's guards, in order: strict security headers (a CSP that runs only the UI's own script,
 * no framing), basic auth when configured, the `authorize` hook, and for every change a
 * same-origin JSON POST.
 */
export function securityMiddleware(options: ResolvedUiOptions): MiddlewareHandler[] {
  const guards: MiddlewareHandler[] = [
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        connectSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
      referrerPolicy: 'same-origin',
    }),
  ];
  if (options.basicAuth) guards.push(basicAuth({ ...options.basicAuth, realm: 'Tributary' }));
  if (options.authorize) {
    const authorize = options.authorize;
    guards.push(async (c, next) => {
      const verdict = await authorize(c.req.raw);
      // Copied: a Response.redirect() has immutable headers, and the security headers go on it too.
      if (verdict instanceof Response) return new Response(verdict.body, verdict);
      if (verdict !== true) return c.json({ error: 'forbidden' }, 403);
      await next();
    });
  }
  guards.push(async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    if (c.req.method !== 'POST') return c.json({ error: `method ${c.req.method} not allowed` }, 405);
    const refusal = crossOriginRefusal(c.req.raw);
    if (refusal) return c.json({ error: refusal }, 403);
    // A JSON content type cannot be sent by a plain HTML form, another guard against CSRF.
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      return c.json({ error: 'changes must be sent as application/json' }, 415);
    }
    if (options.readOnly) return c.json({ error: 'this UI is read-only' }, 403);
    await next();
  });
  return guards;
}

/** Why a state-changing request is not same-origin, or undefined when it is. */
function crossOriginRefusal(request: Request): string | undefined {
  const fetchSite = request.headers.get('sec-fetch-site');
  if (fetchSite && fetchSite !== 'same-origin') return `cross-site request refused (Sec-Fetch-Site: ${fetchSite})`;
  const origin = request.headers.get('origin');
  if (!origin) return fetchSite === 'same-origin' ? undefined : 'request without an Origin header refused';
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host') ?? new URL(request.url).host;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return `malformed Origin ${origin}`;
  }
  return originHost === host ? undefined : `cross-origin request from ${origin} refused`;
}
