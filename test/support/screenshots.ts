import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where a browser test saves its screenshot `name` (test-results/ is git-ignored). */
export function screenshotPath(name: string): string {
  mkdirSync('test-results/screenshots', { recursive: true });
  return join('test-results/screenshots', name);
}
