import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The browser bundle built by `npm run build` (tsup) into dist/ui/app.js, found from this module. */
function bundlePath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    for (const candidate of [join(dir, 'ui', 'app.js'), join(dir, 'dist', 'ui', 'app.js')]) if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('tributary: the UI bundle dist/ui/app.js is missing; run npm run build');
}

let bundle: Promise<string> | undefined;
let bundleStyle: Promise<string> | undefined;

/** The UI's script, read once. */
export function appScript(): Promise<string> {
  bundle ??= readFile(bundlePath(), 'utf8');
  return bundle;
}

/**
 * The CSS the script's libraries need (uPlot's), which the build writes beside it as
 * dist/ui/app.css; read once, served first in /assets/app.css.
 */
export function bundledStyle(): Promise<string> {
  bundleStyle ??= readFile(bundlePath().replace(/\.js$/, '.css'), 'utf8');
  return bundleStyle;
}
