import type { DrizzleHandle } from './drizzle-handle.js';
import { unknownKeyIssues } from './did-you-mean.js';
import { TributaryError, type ValidationIssue } from './errors.js';
import type { InsertItem, InsertResult } from './insert/insert-jobs.js';
import type { JobRow } from './job-row.js';
import type { WorkContext } from './worker.js';
import type { WorkerClient } from './worker-client.js';

/** What an insert middleware sees: one `insert` or `insertMany` call. */
export interface InsertMiddlewareContext {
  /**
   * The jobs about to be inserted, in order: `{ job, args, opts? }` as given to the call, not yet
   * validated. The array is fixed; a middleware may replace an item's `args` or `opts` before
   * calling `next()` (copies: the caller's own objects are never changed).
   */
  readonly items: readonly InsertItem[];
  /** The Drizzle handle the jobs are inserted through, `db` or `tx`. */
  readonly tx: DrizzleHandle;
  /** The inserting client. */
  readonly client: WorkerClient;
}

/** What a work middleware sees: one attempt of one job, and the worker's own context. */
export interface WorkMiddlewareContext extends WorkContext {
  /** The job, `running`, its args already parsed by the job's schema. */
  readonly job: JobRow;
}

/**
 * Code run around every insert and every attempt, for tracing, logging and metrics. Both methods
 * are optional. In `new Client({ middleware })` the first middleware is the outermost.
 *
 * @example
 * ```ts
 * const timing: Middleware = {
 *   async insert(ctx, next) {
 *     const results = await next();
 *     log.info(`inserted ${results.length} job(s)`);
 *     return results; // resolve with what next() resolved
 *   },
 *   async work({ job }, next) {
 *     const start = performance.now();
 *     try {
 *       return await next();
 *     } finally {
 *       metrics.observe(job.kind, performance.now() - start);
 *     }
 *   },
 * };
 * ```
 */
export interface Middleware {
  /** A name for logs and errors. Default: its index, `middleware[1]`. */
  readonly name?: string;
  /**
   * Wraps one `insert` or `insertMany` call. `next()` validates and inserts the items and resolves
   * with one result per item; resolve with those results. Throwing (or rejecting) fails the
   * insert: before `next()` nothing is written; after it, the jobs are rolled back only with the
   * caller's transaction.
   */
  insert?(ctx: InsertMiddlewareContext, next: () => Promise<InsertResult<unknown>[]>): Promise<InsertResult<unknown>[]>;
  /**
   * Wraps one attempt of one job, inside its timeout. `next()` runs the worker and resolves with
   * what it returns, or rejects with what it throws (a `JobCancelError`, a `JobSnoozeError`, a
   * `JobTimeoutError`...). Throwing fails the attempt exactly as the worker throwing would.
   */
  work?(ctx: WorkMiddlewareContext, next: () => Promise<unknown>): unknown;
}

/** Runs the inserts through the client's insert middleware; `run` does the insert itself. */
export type InsertWrapper = (
  ctx: InsertMiddlewareContext,
  run: (items: readonly InsertItem[]) => Promise<InsertResult<unknown>[]>,
) => Promise<InsertResult<unknown>[]>;

/** Runs one attempt through the client's work middleware; `run` calls the worker. */
export type WorkWrapper = (ctx: WorkMiddlewareContext, run: () => Promise<unknown>) => Promise<unknown>;

/** Problems with the `middleware` client option, or none. */
export function middlewareIssues(value: unknown): ValidationIssue[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return [{ path: 'middleware', message: 'must be an array of middleware ({ insert?, work? })' }];
  return value.flatMap((mw: Record<string, unknown> | null | undefined, i): ValidationIssue[] => {
    const at = `middleware[${i}]`;
    if (typeof mw !== 'object' || mw === null) return [{ path: at, message: `must be an object with insert and/or work functions, got ${mw === null ? 'null' : typeof mw}` }];
    // Its own fields are allowed (its hooks may use them through `this`); near-misses of a hook are not.
    const issues = unknownKeyIssues(mw, ['name', 'insert', 'work'], at, 'a middleware field', true);
    for (const hook of ['insert', 'work'] as const) {
      if (mw[hook] !== undefined && typeof mw[hook] !== 'function') issues.push({ path: `${at}.${hook}`, message: `must be a function (ctx, next) => ..., got ${typeof mw[hook]}` });
    }
    if (mw.name !== undefined && typeof mw.name !== 'string') issues.push({ path: `${at}.name`, message: 'must be a string' });
    if (issues.length === 0 && mw.insert === undefined && mw.work === undefined) issues.push({ path: at, message: 'has neither an insert nor a work function' });
    return issues;
  });
}

type Hook<C, R> = (ctx: C, next: () => Promise<R>) => unknown;

const label = (mw: Middleware, index: number, hook: string) => `${mw.name ?? `middleware[${index}]`}.${hook}`;

/**
 * Calls `hooks` outermost first, then `last`. Each `next` may be called once: a second call
 * would insert twice or run the worker twice.
 */
function runChain<C, R>(hooks: readonly { fn: Hook<C, R>; name: string }[], ctx: C, last: () => Promise<R>, check?: (result: unknown, name: string) => void): Promise<R> {
  const call = (i: number): Promise<R> => {
    if (i === hooks.length) return last();
    const { fn, name } = hooks[i]!;
    let called = false;
    const next = () => {
      if (called) return Promise.reject(new TributaryError(`${name} called next() twice`));
      called = true;
      const rest = call(i + 1);
      // Marked handled, so a middleware that drops next()'s promise cannot crash the process
      // with an unhandled rejection; whoever awaits it still gets the rejection.
      rest.catch(() => {});
      return rest;
    };
    // then(): a middleware that throws synchronously rejects like an async one.
    const result = Promise.resolve().then(() => fn(ctx, next)) as Promise<R>;
    return check ? result.then((r) => (check(r, name), r)) : result;
  };
  return call(0);
}

function hooksOf<K extends 'insert' | 'work'>(middleware: readonly Middleware[], key: K) {
  return middleware.flatMap((mw, i) => {
    const fn = mw[key];
    return fn ? [{ fn: fn.bind(mw) as Hook<any, any>, name: label(mw, i, key) }] : [];
  });
}

/** The insert chain of `middleware`, or undefined when none has an insert hook (the fast path). */
export function insertWrapper(middleware: readonly Middleware[]): InsertWrapper | undefined {
  const hooks = hooksOf(middleware, 'insert');
  if (hooks.length === 0) return undefined;
  return (ctx, run) => {
    // Shallow copies, so a middleware that sets `item.opts` never changes the caller's objects.
    const items = Object.freeze(ctx.items.map((item) => ({ ...item })));
    const chained: InsertMiddlewareContext = { ...ctx, items };
    return runChain(hooks, chained, () => run(items), (result, name) => {
      // The common slip is `await next()` without `return`: name it here, not as a crash later.
      if (!Array.isArray(result) || result.length !== items.length) {
        throw new TributaryError(`${name} must resolve with the results of next() (return await next()), got ${Array.isArray(result) ? `${result.length} results for ${items.length} jobs` : typeof result}`);
      }
    });
  };
}

/** The work chain of `middleware`, or undefined when none has a work hook (the fast path). */
export function workWrapper(middleware: readonly Middleware[]): WorkWrapper | undefined {
  const hooks = hooksOf(middleware, 'work');
  if (hooks.length === 0) return undefined;
  return (ctx, run) => runChain(hooks, ctx, run);
}
