/**
 * Compiles worker-process.ts to one JavaScript file that plain `node` runs, as a built application
 * would be. Through tsx each worker took twice as long to start (3 to 4.5 s instead of 1.5 to 2 s
 * on a busy 2-core machine), and a kill storm only kills processes that have started: slow starts
 * meant half the kills. The file lives inside the repository (.tmp/ is ignored), so `tributary-queue`
 * still resolves to dist/ through the package's self-reference.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';

const OUT_DIR = fileURLToPath(new URL('../.tmp/chaos-build/', import.meta.url));
/** The compiled worker, run by process-pool.ts. */
export const WORKER_FILE = `${OUT_DIR}worker-process.mjs`;

export async function buildWorker(): Promise<void> {
  await build({
    config: false, // not the package's tsup.config.ts
    entry: { 'worker-process': fileURLToPath(new URL('./worker-process.ts', import.meta.url)) },
    outDir: OUT_DIR,
    outExtension: () => ({ js: '.mjs' }),
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)),
    // Only the chaos files go in: the package is loaded from dist/, the libraries from node_modules.
    skipNodeModulesBundle: true,
    external: ['tributary-queue'],
    clean: true,
    silent: true,
  });
}
