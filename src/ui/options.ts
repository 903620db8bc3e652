import { throwIfIssues, type ValidationIssue } from '../errors.js';
import { isPlainObject } from '../json-value.js';
import { unknownKeyIssues } from '../did-you-mean.js';

/** Options of `createUiHandler`. */
export interface UiOptions {
  /**
   * The path the UI is mounted at, such as `'/admin/jobs'`: requests outside it get 404. Default
   * `''`, the root.
   */
  basePath?: string;
  /** Require HTTP basic auth with these credentials. Default: none. */
  basicAuth?: { username: string; password: string };
  /**
   * Called on every request after basic auth: return false (403) or a Response of your own to
   * refuse it, true to let it through. Use it for your app's sessions. Default: allow.
   */
  authorize?: (request: Request) => boolean | Response | Promise<boolean | Response>;
  /** Show jobs and queues but refuse every change (retry, cancel, delete, pause, resume). Default false. */
  readOnly?: boolean;
  /** Never send job args to the browser (they may hold personal data). Default false. */
  hideArgs?: boolean;
}

/** Options after validation. */
export interface ResolvedUiOptions {
  basePath: string;
  basicAuth: { username: string; password: string } | undefined;
  authorize: UiOptions['authorize'];
  readOnly: boolean;
  hideArgs: boolean;
}

const NAMES = ['basePath', 'basicAuth', 'authorize', 'readOnly', 'hideArgs'] as const satisfies readonly (keyof UiOptions)[];

/**
 * Problems with UI options, or none. `extraNames` are the keys a caller takes for itself
 * (`serveUi`'s `port` and `host`), accepted here and checked by that caller.
 */
export function uiOptionIssues(options: unknown, extraNames: readonly string[] = []): ValidationIssue[] {
  if (!isPlainObject(options)) return [{ path: 'options', message: 'must be an object' }];
  const issues = unknownKeyIssues(options, [...NAMES, ...extraNames], '', 'a UI option');
  const { basePath = '', basicAuth, authorize } = options as UiOptions;
  if (typeof basePath !== 'string' || (basePath !== '' && !/^(\/[\w.~-]+)+$/.test(basePath))) {
    issues.push({ path: 'basePath', message: `must be '' or a path such as '/admin/jobs' (no trailing slash), got ${JSON.stringify(basePath)}` });
  }
  if (basicAuth !== undefined && !(typeof basicAuth?.username === 'string' && basicAuth.username !== '' && !basicAuth.username.includes(':') && typeof basicAuth.password === 'string' && basicAuth.password !== '')) {
    issues.push({ path: 'basicAuth', message: 'must be { username, password }: non-empty strings, the username without ":"' });
  }
  if (isPlainObject(basicAuth)) issues.push(...unknownKeyIssues(basicAuth, ['username', 'password'], 'basicAuth', 'a basicAuth field'));
  if (authorize !== undefined && typeof authorize !== 'function') issues.push({ path: 'authorize', message: 'must be a function (request) => boolean | Response' });
  for (const key of ['readOnly', 'hideArgs'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') issues.push({ path: key, message: 'must be a boolean' });
  }
  return issues;
}

/** Validates UI options once, when the handler is made. */
export function resolveUiOptions(options: UiOptions = {}): ResolvedUiOptions {
  throwIfIssues('createUiHandler', uiOptionIssues(options));
  const { basePath = '', basicAuth, authorize } = options;
  return { basePath, basicAuth, authorize, readOnly: options.readOnly ?? false, hideArgs: options.hideArgs ?? false };
}
