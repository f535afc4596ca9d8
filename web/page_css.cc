// The status page's stylesheet: one column on a phone, cards and panels in a
// flowing grid on wider screens; wide tables scroll inside their panel.
#include "web/page.h"

namespace crawlbox::web {

namespace {

constexpr std::string_view kCss = R"css(
:root {
  --bg: #f6f7f9; --panel: #ffffff; --text: #1d2330; --muted: #667085;
  --line: #e3e6eb; --accent: #2f6fde; --accent2: #e07b20; --ok: #1f9d55;
  --warn: #c77c02; --bad: #d13b3b;
  font-family: "DejaVu Sans", system-ui, -apple-system, "Segoe UI", sans-serif;
  font-size: 15px; color: var(--text); background: var(--bg);
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #12151b; --panel: #1b2029; --text: #e6e9ef; --muted: #98a2b3;
          --line: #2b3240; }
}
* { box-sizing: border-box; }
body { margin: 0; padding: 12px; max-width: 1280px; margin-inline: auto; }
header { margin-bottom: 12px; }
.title { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
h1 { font-size: 1.5rem; margin: 0; overflow-wrap: anywhere; }
h2 { font-size: 1rem; margin: 0 0 8px; }
.badge { border-radius: 999px; padding: 2px 10px; font-size: .85rem;
         background: var(--line); color: var(--text); }
.badge.running { background: #d7f5e3; color: #11693a; }
.badge.stopping, .badge.starting { background: #fdf0d2; color: #7a4b00; }
.badge.finished { background: #dce8fd; color: #1c4aa0; }
.badge.stopped, .badge.failed { background: #fbdcdc; color: #8f1f1f; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 16px; color: var(--muted);
        font-size: .85rem; margin-top: 6px; }
.meta b { color: var(--text); font-weight: 600; }
.problem { margin-top: 8px; padding: 8px 10px; border-radius: 6px;
           background: #fbdcdc; color: #8f1f1f; }
.muted { color: var(--muted); font-size: .85rem; font-weight: normal; }
.progress { margin-bottom: 12px; }
.bar { height: 10px; border-radius: 5px; background: var(--line); overflow: hidden; }
#progress-bar { height: 100%; width: 0; background: var(--accent);
                transition: width .4s; }
#progress-text { margin-top: 4px; }
.cards { display: grid; gap: 8px; margin-bottom: 12px;
         grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); }
.card { background: var(--panel); border: 1px solid var(--line);
        border-radius: 8px; padding: 8px 10px; min-width: 0; }
.card .label { color: var(--muted); font-size: .8rem; }
.card .value { font-size: 1.3rem; font-weight: 600; white-space: nowrap;
               overflow: hidden; text-overflow: ellipsis;
               font-variant-numeric: tabular-nums; }
.panel { background: var(--panel); border: 1px solid var(--line);
         border-radius: 8px; padding: 10px 12px; margin-bottom: 12px;
         min-width: 0; }
.grid { display: grid; gap: 0 12px;
        grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); }
canvas#chart { width: 100%; height: 220px; display: block; }
.legend { font-size: .8rem; color: var(--muted); margin-top: 4px; }
.key { display: inline-block; width: 12px; height: 3px; vertical-align: middle;
       margin: 0 4px 0 10px; }
.key.pages { background: var(--accent); }
.key.bytes { background: var(--accent2); }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: .875rem; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { color: var(--muted); font-weight: 600; white-space: nowrap; }
td { max-width: 28rem; overflow: hidden; text-overflow: ellipsis;
     white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.empty { color: var(--muted); font-style: italic; }
td.bad { color: var(--bad); }
a { color: var(--accent); }
.tabs { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 8px; }
.controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 6px 0; }
.controls button { border: 1px solid var(--line); background: var(--bg); border-radius: 6px;
  padding: 4px 12px; cursor: pointer; }
.controls input { width: 9em; padding: 3px 6px; border: 1px solid var(--line); border-radius: 4px; }
#control-message[data-ok="false"] { color: #8f1f1f; }
.tabs button { border: 1px solid var(--line); background: var(--bg);
               color: var(--text); border-radius: 999px; padding: 3px 10px;
               font: inherit; font-size: .85rem; cursor: pointer; }
.tabs button.active { background: var(--accent); border-color: var(--accent);
                      color: #fff; }
footer { margin: 8px 0 24px; }
@media (max-width: 600px) {
  body { padding: 8px; }
  .card .value { font-size: 1.1rem; }
  td { max-width: 14rem; }
  canvas#chart { height: 180px; }
}
)css";

}  // namespace

std::string_view PageCss() { return kCss; }

}  // namespace crawlbox::web
