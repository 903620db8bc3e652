/** The light palette: every colour the pages use, as custom properties of :root. */
const LIGHT = `
  --fg: #1d2430; --bg: #f6f7f9; --surface: #fff; --muted: #667085; --border: #e4e8ef; --control-border: #98a2b3;
  --header-bg: #1d2430; --header-fg: #fff; --header-link: #cfd6e4; --tab-bg: #e4e8ef; --hover: #eef1f6;
  --accent: #3456c8; --accent-fg: #fff; --error: #b42318;
  --state-bg: #e4e8ef; --state-completed: #d1fadf; --state-failed: #fee4e2; --state-running: #d1e9ff;
  --chart-completed: #079455; --chart-failed: #dc6803; --chart-discarded: #d92d20;
  --chart-available: #3456c8; --chart-scheduled: #7a5af8; --chart-running: #0e9384; --chart-retryable: #dc6803;
  --meter-bg: #e4e8ef; --meter-fill: #3456c8; --meter-full: #d92d20;
  --state-retryable: #fef0c7; --state-pending: #f2f4f7; --state-pending-border: #667085; --node-border: #98a2b3; --edge: #98a2b3; --state-failed-border: #f04438;
  color-scheme: light;`;

/**
 * The dark palette, the same properties. Text pairs keep a WCAG contrast of at least 4.5:1
 * (test/ui/theme-browser.test.ts measures them in both themes).
 */
const DARK = `
  --fg: #e4e8ef; --bg: #111418; --surface: #1a1f26; --muted: #9aa4b5; --border: #2d3540; --control-border: #5d6878;
  --header-bg: #0a0c0f; --header-fg: #fff; --header-link: #b8c2d4; --tab-bg: #2d3540; --hover: #262d37;
  --accent: #8eaaff; --accent-fg: #0a0c0f; --error: #ff8f85;
  --state-bg: #2d3540; --state-completed: #1c4a30; --state-failed: #5e2520; --state-running: #1d3b5e;
  --chart-completed: #47cd89; --chart-failed: #fdb022; --chart-discarded: #ff8f85;
  --chart-available: #8eaaff; --chart-scheduled: #bda7ff; --chart-running: #5fe9d0; --chart-retryable: #fdb022;
  --meter-bg: #2d3540; --meter-fill: #8eaaff; --meter-full: #ff8f85;
  --state-retryable: #4e3d0c; --state-pending: #262d37; --state-pending-border: #9aa4b5; --node-border: #5d6878; --edge: #7d8899; --state-failed-border: #ff8f85;
  color-scheme: dark;`;

/**
 * The UI's stylesheet, served as /assets/app.css (a file of its own, as the CSP allows no inline
 * style). Every colour is a custom property of :root, so that the themes and the pages' drawings
 * (charts, graphs) share one palette. The theme follows the system (prefers-color-scheme) unless
 * `data-theme="light"` or `"dark"` on <html> says otherwise (set by /assets/theme.js before the
 * page paints, from the choice remembered in localStorage).
 *
 * At phone width the header wraps, tables scroll inside themselves and long words break, so no
 * page scrolls sideways.
 */
export const STYLE = `
:root {${LIGHT}
  font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg);
}
@media (prefers-color-scheme: dark) { :root:not([data-theme="light"]) {${DARK}
} }
:root[data-theme="dark"] {${DARK}
}
body { margin: 0; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem 1.5rem; padding: .6rem 1.2rem; background: var(--header-bg); color: var(--header-fg); }
header h1 { font-size: 1.1rem; margin: 0; }
header nav { display: flex; flex-wrap: wrap; gap: .2rem 1rem; }
header nav a { color: var(--header-link); text-decoration: none; }
header nav a.active, header nav a:hover { color: var(--header-fg); text-decoration: underline; }
header .theme { margin-left: auto; }
header select { font: inherit; color: var(--fg); background: var(--surface); border: 1px solid var(--control-border); border-radius: 4px; }
main { padding: 1rem 1.2rem; }
a { color: var(--accent); }
h2, h3, p, dd, li { overflow-wrap: anywhere; }
.tabs { display: flex; flex-wrap: wrap; gap: .3rem; margin-bottom: .8rem; }
.tabs a { padding: .3rem .7rem; border-radius: 4px; background: var(--tab-bg); color: var(--fg); text-decoration: none; }
.tabs a.active { background: var(--accent); color: var(--accent-fg); }
.tabs .count { opacity: .75; font-variant-numeric: tabular-nums; }
.filters, .actions { display: flex; gap: .4rem; flex-wrap: wrap; align-items: center; margin-bottom: .6rem; }
input, button { font: inherit; padding: .25rem .5rem; color: var(--fg); background: var(--surface); border: 1px solid var(--control-border); border-radius: 4px; }
input[type="checkbox"] { padding: 0; }
button { cursor: pointer; }
button:hover { background: var(--hover); }
table { border-collapse: collapse; width: 100%; background: var(--surface); }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--border); vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.args { font-family: ui-monospace, monospace; font-size: .85em; max-width: 30rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
td.empty { color: var(--muted); text-align: center; padding: 1.5rem; }
.more { margin-top: .6rem; }
.message { min-height: 1.2em; color: var(--accent); }
.error { color: var(--error); }
.muted { color: var(--muted); }
dl.fields { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .2rem 1rem; }
dt { color: var(--muted); }
dd { margin: 0; }
pre { background: var(--surface); border: 1px solid var(--border); padding: .6rem; overflow: auto; max-height: 24rem; }
.state { font-size: .8em; padding: .1rem .4rem; border-radius: 3px; background: var(--state-bg); color: var(--fg); white-space: nowrap; }
.state-completed { background: var(--state-completed); } .state-discarded, .state-cancelled { background: var(--state-failed); } .state-running { background: var(--state-running); }
ol.errors li { margin-bottom: .6rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 32rem), 1fr)); gap: 1rem; }
figure.chart { margin: 0; padding: .6rem; background: var(--surface); border: 1px solid var(--border); border-radius: 4px; min-width: 0; }
figure.chart figcaption { font-weight: 600; margin-bottom: .4rem; }
.chart-plot { width: 100%; overflow: hidden; }
.chart .uplot { font-family: inherit; color: var(--fg); }
.meter { display: inline-block; width: 6rem; height: .6rem; margin-right: .4rem; border-radius: 3px; background: var(--meter-bg); vertical-align: middle; overflow: hidden; }
.meter > span { display: block; height: 100%; background: var(--meter-fill); }
.meter.full > span { background: var(--meter-full); }
.use { white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.group th { background: var(--tab-bg); font-weight: 600; }
tr.role-halting td { background: var(--state-failed); }
tr.role-current td { background: var(--state-running); }
@media (max-width: 700px) {
  header { padding: .5rem .8rem; gap: .3rem 1rem; }
  main { padding: .8rem; }
  /* A table scrolls inside its own box rather than widening the page. */
  table { display: block; overflow-x: auto; width: auto; max-width: 100%; }
  /* One line a row: cells wrapped into narrow columns made rows tall and mostly empty. */
  th, td { white-space: nowrap; }
  td.args { max-width: 14rem; }
  pre { max-width: 100%; box-sizing: border-box; }
}
.state-retryable { background: var(--state-retryable); } .state.state-pending { background: var(--state-pending); outline: 1px dashed var(--state-pending-border); outline-offset: -1px; }
.graph, .timeline-box { overflow: auto; background: var(--surface); border: 1px solid var(--border); border-radius: 4px; max-height: 75vh; }
.timeline-box { max-height: none; }
svg text { fill: var(--fg); font: 12px system-ui, sans-serif; }
svg text.sub, svg text.row-label, svg text.bar-label, svg .tick text { fill: var(--muted); font-size: 11px; }
svg text.name { font-weight: 600; }
.workflow-graph .node rect { fill: var(--state-bg); stroke: var(--node-border); }
.workflow-graph .node:hover rect.box, .workflow-graph .node:focus rect.box { stroke: var(--accent); stroke-width: 2; }
.workflow-graph .node:focus { outline: none; }
.workflow-graph .node.state-pending rect.box { stroke-dasharray: 4 3; }
.workflow-graph .segment { stroke: var(--node-border); stroke-width: .5; }
.workflow-graph .node.group { cursor: pointer; }
.workflow-graph .node.group rect.box { fill: var(--surface); stroke-dasharray: 4 2; }
.workflow-graph .edge { fill: none; stroke: var(--edge); stroke-width: 1.5; }
.workflow-graph .arrow { fill: var(--edge); }
/* State fills on shapes only: set on a node's <a> they would reach its text (stroke is inherited). */
.workflow-graph .node.state-completed rect, svg .bar.state-completed, svg .segment.state-completed { fill: var(--state-completed); }
.workflow-graph .node.state-running rect, svg .bar.state-running, svg .segment.state-running { fill: var(--state-running); }
.workflow-graph .node.state-retryable rect, svg .bar.state-retryable, svg .bar.state-failed, svg .segment.state-retryable { fill: var(--state-retryable); }
.workflow-graph .node.state-pending rect, svg .bar.state-pending, svg .segment.state-pending { fill: var(--state-pending); }
svg .bar.state-available, svg .bar.state-scheduled, svg .segment.state-available, svg .segment.state-scheduled { fill: var(--state-bg); }
.workflow-graph .node.state-cancelled rect, .workflow-graph .node.state-discarded rect, svg .bar.state-cancelled, svg .bar.state-discarded, svg .segment.state-cancelled, svg .segment.state-discarded { fill: var(--state-failed); stroke: var(--state-failed-border); }
.timeline .bar { stroke: var(--node-border); }
.timeline .guide { stroke: var(--border); stroke-dasharray: 3 3; }
.timeline .axis, .timeline .tick line { stroke: var(--muted); }
.timeline .mark circle { fill: var(--accent); }
.timeline .mark-finalized circle { fill: var(--fg); } .timeline .mark-error circle { fill: var(--error); } .timeline .mark-scheduled circle { fill: var(--surface); stroke: var(--accent); }
ol.timeline-list li { margin-bottom: .3rem; } ol.timeline-list time { color: var(--muted); font-variant-numeric: tabular-nums; }
.legend .state, .breakdown .state { margin-right: .2rem; }
.group-panel { margin-top: 1rem; } .group-panel .scroll { max-height: 24rem; overflow: auto; }
`;
