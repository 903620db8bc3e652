import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', schema: 'src/schema/index.ts', testing: 'src/testing/index.ts', otel: 'src/otel/index.ts', ui: 'src/ui/index.ts' },
    format: ['esm', 'cjs'],
    // Shared chunks in CJS too: tributary-queue/testing must see the same classes (JobCancelError...)
    // as the main entry, or instanceof fails across entry points.
    splitting: true,
    dts: true,
    // import.meta.url in CJS output, used to find the shipped drizzle/ folder.
    shims: true,
    // No clean here: the configs build in parallel, so the build script empties dist/ first.
    clean: false,
    sourcemap: true,
    target: 'node20',
  },
  {
    // The UI's browser script, served by tributary-queue/ui from dist/ui/app.js.
    entry: { 'ui/app': 'src/ui/app/main.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    tsconfig: 'src/ui/app/tsconfig.json',
    minify: true,
    sourcemap: false,
  },
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
  },
]);
