import * as v from 'valibot';
import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import { Client, defineJob } from '../../src/index.js';
import { createUiHandler, type UiOptions } from '../../src/ui/index.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const client = new Client({ pool: t.pool });
const note = defineJob({ kind: 'note', args: v.object({ text: v.string() }) });
const ORIGIN = 'http://tributary.test';
// The API's bodies, untyped: each test states the shape it expects.
const json = (response: Response): Promise<any> => response.json();

const ui = (options: UiOptions = {}) => {
  const handler = createUiHandler(client, options);
  return {
    get: (path: string, headers: Record<string, string> = {}) => handler(new Request(`${ORIGIN}${path}`, { headers })),
    post: (path: string, body: unknown, headers: Record<string, string> = {}) =>
      handler(new Request(`${ORIGIN}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN, 'sec-fetch-site': 'same-origin', ...headers },
        body: JSON.stringify(body),
      })),
  };
};

const { job: evil } = await client.insert(t.db, note, { text: '<script>alert(1)</script>' }, { queue: 'notes', tags: ['x'] });
const { job: plain } = await client.insert(t.db, note, { text: 'hello' }, { queue: 'other', priority: 2 });
await t.query(`INSERT INTO river_queue (name) VALUES ('notes'), ('other')`);

describe('pages and data', () => {
  test('the page is served with a strict CSP, no framing, and the script and style it needs', async () => {
    const page = await ui().get('/');
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/assets/app.js">');
    expect((await ui().get('/assets/app.js')).headers.get('content-type')).toMatch(/javascript/);
    expect((await ui().get('/assets/app.css')).headers.get('content-type')).toMatch(/text\/css/);
  });

  test('jobs by state with filters, one job, state counts, queues with counts', async () => {
    const all = await json(await ui().get('/api/jobs?state=available'));
    expect(all.jobs.map((j: { id: number }) => j.id)).toEqual([evil.id, plain.id]);
    const filtered = await json(await ui().get('/api/jobs?state=available&queue=notes&tag=x'));
    expect(filtered.jobs.map((j: { id: number }) => j.id)).toEqual([evil.id]);
    expect((await json(await ui().get(`/api/jobs?state=available&priority=2`))).jobs.map((j: { id: number }) => j.id)).toEqual([plain.id]);
    expect((await json(await ui().get(`/api/jobs?state=available&id=${plain.id}`))).jobs).toHaveLength(1);

    const one = await json(await ui().get(`/api/jobs/${evil.id}`));
    // Served as data: the browser renders it as text (tested in the browser test).
    expect(one.job.args).toEqual({ text: '<script>alert(1)</script>' });
    expect((await ui().get('/api/jobs/999999')).status).toBe(404);

    const { states } = await json(await ui().get('/api/states'));
    expect(states).toContainEqual({ state: 'available', count: 2, atLeast: false });
    expect(states).toHaveLength(8);

    const { queues } = await json(await ui().get('/api/queues'));
    expect(queues.map((q: { name: string; counts: { available: number } }) => [q.name, q.counts.available])).toEqual([['notes', 1], ['other', 1]]);
  });

  test('bad filters are clear 400s', async () => {
    const res = await ui().get('/api/jobs?state=finished');
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatch(/state: must be one of/);
    const bad = await ui().get('/api/jobs?state=available&priority=9');
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toMatch(/priorit/);
  });

  test('hideArgs keeps args out of every response', async () => {
    const hidden = ui({ hideArgs: true });
    expect((await json(await hidden.get('/api/jobs?state=available'))).jobs.every((j: { args: unknown }) => j.args === null)).toBe(true);
    expect((await json(await hidden.get(`/api/jobs/${evil.id}`))).job.args).toBeNull();
  });

  test("mounted in a Hono app beside the app's own routes", async () => {
    const handler = createUiHandler(client, { basePath: '/admin/jobs' });
    const app = new Hono();
    app.get('/health', (c) => c.text('ok'));
    app.all('/admin/jobs', (c) => handler(c.req.raw));
    app.all('/admin/jobs/*', (c) => handler(c.req.raw));
    expect(await (await app.fetch(new Request(`${ORIGIN}/health`))).text()).toBe('ok');
    expect(await (await app.fetch(new Request(`${ORIGIN}/admin/jobs`))).text()).toContain('<meta name="tributary-base" content="/admin/jobs">');
    const { jobs } = await json(await app.fetch(new Request(`${ORIGIN}/admin/jobs/api/jobs?state=available&queue=other`)));
    expect(jobs.map((j: { id: number }) => j.id)).toEqual([plain.id]);
    // With a trailing slash too, as a browser or a proxy may send it.
    expect(await (await app.fetch(new Request(`${ORIGIN}/admin/jobs/`))).text()).toContain('<meta name="tributary-base" content="/admin/jobs">');
  });

  test('answers its paths with or without a trailing slash, and still nothing outside its base path', async () => {
    for (const basePath of ['/admin', '/admin/jobs']) {
      const mounted = ui({ basePath });
      for (const path of [basePath, `${basePath}/`]) {
        const page = await mounted.get(path);
        expect(page.status, path).toBe(200);
        expect(await page.text(), path).toContain(`src="${basePath}/assets/app.js"`);
      }
      expect((await mounted.get(`${basePath}/api/states/`)).status).toBe(200);
      expect((await mounted.get(`${basePath}x/`)).status).toBe(404);
    }
    expect((await ui().get('/api/queues/')).status).toBe(200);
    // The guards apply whatever the form of the path: a cross-site change is still refused.
    expect((await ui().post('/api/jobs/delete/', { ids: [plain.id] }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
  });

  test('under a base path, and nothing outside it', async () => {
    const mounted = ui({ basePath: '/admin/jobs' });
    expect((await mounted.get('/admin/jobs/api/states')).status).toBe(200);
    expect(await (await mounted.get('/admin/jobs')).text()).toContain('src="/admin/jobs/assets/app.js"');
    expect((await mounted.get('/api/states')).status).toBe(404);
  });
});

describe('changes', () => {
  test('a same-origin JSON POST retries, cancels and deletes, reporting each id', async () => {
    const { job } = await client.insert(t.db, note, { text: 'to cancel' });
    const res = await ui().post('/api/jobs/cancel', { ids: [job.id, 987654] });
    expect(res.status).toBe(200);
    const { results } = await json(res);
    expect(results[0]).toEqual({ id: job.id, ok: true });
    expect(results[1]).toMatchObject({ id: 987654, ok: false, error: expect.stringMatching(/not found/) });
    expect((await client.jobGet(job.id))!.state).toBe('cancelled');
    expect((await json(await ui().post('/api/jobs/delete', { ids: [job.id] }))).results[0].ok).toBe(true);
    expect(await client.jobGet(job.id)).toBeUndefined();
  });

  test('pause and resume a queue', async () => {
    expect((await ui().post('/api/queues/pause', { queue: 'notes' })).status).toBe(200);
    expect((await client.queueGet('notes'))!.pausedAt).toBeInstanceOf(Date);
    await ui().post('/api/queues/resume', { queue: 'notes' });
    expect((await client.queueGet('notes'))!.pausedAt).toBeNull();
  });

  test.each([
    ['another origin', { origin: 'http://evil.test', 'sec-fetch-site': 'cross-site' }, 403, /cross-site/],
    ['another origin, no fetch metadata', { origin: 'http://evil.test', 'sec-fetch-site': '' }, 403, /cross-origin request from http:\/\/evil.test/],
    ['no Origin header', { origin: '', 'sec-fetch-site': '' }, 403, /without an Origin/],
    ['a form post', { origin: ORIGIN, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' }, 415, /application\/json/],
  ])('refuses %s, changing nothing', async (_, headers, status, message) => {
    const cleaned = Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== ''));
    const handler = createUiHandler(client);
    const base = { 'content-type': 'application/json', ...cleaned };
    const res = await handler(new Request(`${ORIGIN}/api/queues/pause`, { method: 'POST', headers: base, body: JSON.stringify({ queue: 'notes' }) }));
    expect(res.status).toBe(status);
    expect((await json(res)).error).toMatch(message);
    expect((await client.queueGet('notes'))!.pausedAt).toBeNull();
  });

  test('read-only refuses every change', async () => {
    const res = await ui({ readOnly: true }).post('/api/jobs/delete', { ids: [plain.id] });
    expect(res.status).toBe(403);
    expect(await client.jobGet(plain.id)).toBeDefined();
    expect(await json(await ui({ readOnly: true }).get('/api/settings'))).toEqual({ readOnly: true, hideArgs: false });
  });

  test('bad bodies are 400s', async () => {
    expect((await ui().post('/api/jobs/retry', { ids: [] })).status).toBe(400);
    expect((await ui().post('/api/jobs/retry', { ids: ['1'] })).status).toBe(400);
    expect((await ui().post('/api/queues/pause', {})).status).toBe(400);
    expect((await ui().post('/api/queues/pause', { queue: 'Bad Name' })).status).toBe(400);
  });
});

describe('access control', () => {
  const auth = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });

  test('basic auth is required when set', async () => {
    const guarded = ui({ basicAuth: { username: 'ops', password: 's3cret' } });
    const anonymous = await guarded.get('/api/states');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/Basic/);
    expect((await guarded.get('/', auth('ops', 'wrong'))).status).toBe(401);
    expect((await guarded.get('/api/states', auth('ops', 's3cret'))).status).toBe(200);
    expect((await guarded.post('/api/queues/resume', { queue: 'notes' })).status).toBe(401);
  });

  test('authorize(request) can refuse, or answer with a response of its own', async () => {
    const refuse = ui({ authorize: (request) => request.headers.get('x-user') === 'admin' });
    expect((await refuse.get('/api/states')).status).toBe(403);
    expect((await refuse.get('/api/states', { 'x-user': 'admin' })).status).toBe(200);
    const redirect = ui({ authorize: () => Response.redirect(`${ORIGIN}/login`, 302) });
    expect((await redirect.get('/')).headers.get('location')).toBe(`${ORIGIN}/login`);
  });

  test('options are validated', () => {
    expect(() => createUiHandler(client, { basePath: 'admin/' })).toThrow(/basePath: must be/);
    expect(() => createUiHandler(client, { basicAuth: { username: 'a', password: '' } })).toThrow(/basicAuth: must be/);
    expect(() => createUiHandler(client, { readonly: true } as never)).toThrow(/readonly: is not a UI option; did you mean "readOnly"\?/);
    expect(() => createUiHandler(new Client(), {})).toThrow(/needs a pool/);
  });
});
