import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where a browser test saves a screenshot: test-results/screenshots/<name> (git-ignored), the folder made first. */
export function screenshotPath(name: string): string {
  mkdirSync('test-results/screenshots', { recursive: true });
  return join('test-results/screenshots', name);
}
