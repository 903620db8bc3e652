import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where browser tests save a screenshot: test-results/screenshots/<name> (git-ignored), the folder made on first use. */
export function screenshotPath(name: string): string {
  const dir = join('test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
