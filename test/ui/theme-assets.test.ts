import { expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { createUiHandler } from '../../src/ui/index.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();

test('mounted at a base path, the page loads the theme script from there, as a blocking script in <head>, under the same CSP', async () => {
  const ui = createUiHandler(new Client({ pool: t.pool }), { basePath: '/admin/jobs' });
  const page = await (await ui(new Request('http://tributary.test/admin/jobs/'))).text();
  // A classic script in <head> (not a module): it runs before the body is parsed.
  expect(page).toMatch(/<head>[\s\S]*<script src="\/admin\/jobs\/assets\/theme\.js"><\/script>[\s\S]*<\/head>/);
  expect(page).toContain('<select id="theme"');
  const script = await ui(new Request('http://tributary.test/admin/jobs/assets/theme.js'));
  expect(script.status).toBe(200);
  expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(script.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(await script.text()).toContain('localStorage.getItem("tributary:theme")');
  const css = await (await ui(new Request('http://tributary.test/admin/jobs/assets/app.css'))).text();
  expect(css).toContain('@media (prefers-color-scheme: dark) { :root:not([data-theme="light"])');
  expect(css).toContain(':root[data-theme="dark"]');
});
