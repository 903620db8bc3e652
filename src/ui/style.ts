/** The UI's stylesheet, served as /assets/app.css (a file of its own, as the CSP allows no inline style). */
export const STYLE = `
:root { font: 14px/1.4 system-ui, sans-serif; color: #1d2430; background: #f6f7f9; }
body { margin: 0; }
header { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.2rem; background: #1d2430; color: #fff; }
header h1 { font-size: 1.1rem; margin: 0; }
header nav a { color: #cfd6e4; margin-right: 1rem; text-decoration: none; }
header nav a.active, header nav a:hover { color: #fff; text-decoration: underline; }
header .live { margin-left: auto; }
main { padding: 1rem 1.2rem; }
.tabs { display: flex; flex-wrap: wrap; gap: .3rem; margin-bottom: .8rem; }
.tabs a { padding: .3rem .7rem; border-radius: 4px; background: #e4e8ef; color: #1d2430; text-decoration: none; }
.tabs a.active { background: #3456c8; color: #fff; }
.tabs .count { opacity: .75; font-variant-numeric: tabular-nums; }
.filters, .actions { display: flex; gap: .4rem; flex-wrap: wrap; align-items: center; margin-bottom: .6rem; }
input, button { font: inherit; padding: .25rem .5rem; }
button { cursor: pointer; border: 1px solid #98a2b3; border-radius: 4px; background: #fff; }
button:hover { background: #eef1f6; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e4e8ef; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.args { font-family: ui-monospace, monospace; font-size: .85em; max-width: 30rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
td.empty { color: #667085; text-align: center; padding: 1.5rem; }
.more { margin-top: .6rem; }
.message { min-height: 1.2em; color: #3456c8; }
.error { color: #b42318; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { color: #667085; }
dd { margin: 0; }
pre { background: #fff; border: 1px solid #e4e8ef; padding: .6rem; overflow: auto; max-height: 24rem; }
.state { font-size: .8em; padding: .1rem .4rem; border-radius: 3px; background: #e4e8ef; }
.state-completed { background: #d1fadf; } .state-discarded, .state-cancelled { background: #fee4e2; } .state-running { background: #d1e9ff; }
ol.errors li { margin-bottom: .6rem; }
`;
