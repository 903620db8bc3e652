import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', schema: 'src/schema/index.ts', testing: 'src/testing/index.ts', otel: 'src/otel/index.ts' },
    format: ['esm', 'cjs'],
    // Shared chunks in CJS too: tributary/testing must see the same classes (JobCancelError...)
    // as the main entry, or instanceof fails across entry points.
    splitting: true,
    dts: true,
    // import.meta.url in CJS output, used to find the shipped drizzle/ folder.
    shims: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
  },
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
  },
]);
