// The one dependency direction of src/, lowest first: schema and the leaves; sql; the job model
// and insert; maintenance, admin and migrate; the runtime; the client; then the edges (cli, ui,
// testing, otel) and the public index. `npm test` runs it (test/dependencies.test.ts), so a new
// import circle or an upward import fails the suite.
const EDGES = '^src/(cli|ui|testing|otel)/|^src/index\\.ts$';
const CLIENT = '^src/client(-config|-admin)?\\.ts$';
const RUNTIME = '^src/runtime/';
const SERVICES = '^src/(maintenance|admin|migrate)/|^src/plugin\\.ts$';
const MODEL = '^src/(insert/|workflow/|job\\.ts$|job-row\\.ts$|worker\\.ts$|worker-client\\.ts$|middleware\\.ts$|stop-options\\.ts$)';
const above = (...layers) => layers.join('|');

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'an import circle: every module of it depends on every other', from: {}, to: { circular: true } },
    { name: 'schema-is-a-leaf', severity: 'error', comment: 'the Drizzle declarations declare, and import nothing of the library', from: { path: '^src/schema/' }, to: { path: '^src/', pathNot: '^src/schema/' } },
    { name: 'sql-below-the-model', severity: 'error', from: { path: '^src/sql/' }, to: { path: above(MODEL, SERVICES, RUNTIME, CLIENT, EDGES) } },
    { name: 'model-below-the-services', severity: 'error', from: { path: MODEL }, to: { path: above(SERVICES, RUNTIME, CLIENT, EDGES) } },
    { name: 'services-below-the-runtime', severity: 'error', from: { path: SERVICES }, to: { path: above(RUNTIME, CLIENT, EDGES) } },
    { name: 'runtime-below-the-client', severity: 'error', from: { path: RUNTIME }, to: { path: above(CLIENT, EDGES) } },
    { name: 'client-below-the-edges', severity: 'error', from: { path: CLIENT }, to: { path: EDGES } },
    // The CLI is the outermost edge: its ui and demo commands serve the web UI.
    { name: 'edges-apart', severity: 'error', comment: 'ui, testing and otel stand on the client, not on each other', from: { path: '^src/(ui|testing|otel)/' }, to: { path: '^src/(cli|ui|testing|otel)/|^src/index\\.ts$', pathNot: '^src/$1/' } },
  ],
  options: {
    includeOnly: '^src/',
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^src/ui/app/' },
  },
};
