import { throwIfIssues, type ValidationIssue } from '../errors.js';
import { isPlainObject } from '../json-value.js';
import { didYouMean } from '../did-you-mean.js';

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

const NAMES = ['basePath', 'basicAuth', 'authorize', 'readOnly', 'hideArgs'] as const;

/** Validates UI options once, when the handler is made. */
export function resolveUiOptions(options: UiOptions = {}): ResolvedUiOptions {
  const issues: ValidationIssue[] = [];
  if (!isPlainObject(options)) throwIfIssues('createUiHandler', [{ path: 'options', message: 'must be an object' }]);
  for (const key of Object.keys(options)) {
    if ((NAMES as readonly string[]).includes(key)) continue;
    const guess = didYouMean(key, NAMES);
    issues.push({ path: key, message: `is not a UI option${guess ? `; did you mean "${guess}"?` : ` (${NAMES.join(', ')})`}` });
  }
  const { basePath = '', basicAuth, authorize } = options;
  if (typeof basePath !== 'string' || (basePath !== '' && !/^(\/[\w.~-]+)+$/.test(basePath))) {
    issues.push({ path: 'basePath', message: `must be '' or a path such as '/admin/jobs' (no trailing slash), got ${JSON.stringify(basePath)}` });
  }
  if (basicAuth !== undefined && !(typeof basicAuth?.username === 'string' && basicAuth.username !== '' && !basicAuth.username.includes(':') && typeof basicAuth.password === 'string' && basicAuth.password !== '')) {
    issues.push({ path: 'basicAuth', message: 'must be { username, password }: non-empty strings, the username without ":"' });
  }
  if (authorize !== undefined && typeof authorize !== 'function') issues.push({ path: 'authorize', message: 'must be a function (request) => boolean | Response' });
  for (const key of ['readOnly', 'hideArgs'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') issues.push({ path: key, message: 'must be a boolean' });
  }
  throwIfIssues('createUiHandler', issues);
  return { basePath, basicAuth, authorize, readOnly: options.readOnly ?? false, hideArgs: options.hideArgs ?? false };
}
