/**
 * The UI's stylesheet, served as /assets/app.css (a file of its own, as the CSP allows no inline
 * style). Every colour is a custom property of :root, so that a theme (dark mode) and the pages'
 * drawings (charts, graphs) share one palette.
 */
export const STYLE = `
:root {
  --fg: #1d2430; --bg: #f6f7f9; --surface: #fff; --muted: #667085; --border: #e4e8ef; --control-border: #98a2b3;
  --header-bg: #1d2430; --header-fg: #fff; --header-link: #cfd6e4; --tab-bg: #e4e8ef; --hover: #eef1f6;
  --accent: #3456c8; --accent-fg: #fff; --error: #b42318;
  --state-bg: #e4e8ef; --state-completed: #d1fadf; --state-failed: #fee4e2; --state-running: #d1e9ff;
  --state-retryable: #fef0c7; --state-pending: #f2f4f7; --state-pending-border: #667085; --node-border: #98a2b3; --edge: #98a2b3; --state-failed-border: #f04438;
  font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg);
}
body { margin: 0; }
header { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.2rem; background: var(--header-bg); color: var(--header-fg); }
header h1 { font-size: 1.1rem; margin: 0; }
header nav a { color: var(--header-link); margin-right: 1rem; text-decoration: none; }
header nav a.active, header nav a:hover { color: var(--header-fg); text-decoration: underline; }
header .live { margin-left: auto; }
main { padding: 1rem 1.2rem; }
a { color: var(--accent); }
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
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { color: var(--muted); }
dd { margin: 0; }
pre { background: var(--surface); border: 1px solid var(--border); padding: .6rem; overflow: auto; max-height: 24rem; }
.state { font-size: .8em; padding: .1rem .4rem; border-radius: 3px; background: var(--state-bg); color: var(--fg); }
.state-completed { background: var(--state-completed); } .state-discarded, .state-cancelled { background: var(--state-failed); } .state-running { background: var(--state-running); }
ol.errors li { margin-bottom: .6rem; }
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
