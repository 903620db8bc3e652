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
  --chart-completed: #079455; --chart-failed: #dc6803; --chart-discarded: #d92d20;
  --chart-available: #3456c8; --chart-scheduled: #7a5af8; --chart-running: #0e9384; --chart-retryable: #dc6803;
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
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 32rem), 1fr)); gap: 1rem; }
figure.chart { margin: 0; padding: .6rem; background: var(--surface); border: 1px solid var(--border); border-radius: 4px; min-width: 0; }
figure.chart figcaption { font-weight: 600; margin-bottom: .4rem; }
.chart-plot { width: 100%; overflow: hidden; }
.chart .uplot { font-family: inherit; color: var(--fg); }
`;
