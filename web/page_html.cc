// The status page's HTML: a fixed skeleton whose elements the script fills.
// Key numbers carry ids and data-value attributes (the raw number), so tests
// and scripts can read them from a rendered page.
#include <string>

#include "web/page.h"

namespace crawlbox::web {

namespace {

constexpr std::string_view kQueryMark = "{{Q}}";

constexpr std::string_view kHtml = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>crawlbox</title>
<link rel="stylesheet" href="/app.css{{Q}}">
<script src="/app.js{{Q}}" defer></script>
</head>
<body data-seq="0" data-state="loading">
<header>
  <div class="title">
    <h1 id="job">crawlbox</h1>
    <span id="state" class="badge">loading</span>
  </div>
  <div class="meta">
    <span>run <b id="crawl-id">–</b></span>
    <span>started <b id="started">–</b></span>
    <span>source <b id="source">–</b></span>
    <span>updated <b id="updated">–</b></span>
  </div>
  <div id="problem" class="problem" hidden></div>
</header>
<main>
  <section class="progress">
    <div class="bar" id="progress-bar-outer"><div id="progress-bar"></div></div>
    <div id="progress-text" class="muted">–</div>
  </section>

  <section class="panel" id="control-panel" hidden data-paused="false" data-seq="0">
    <h2>Control <span id="control-state" class="muted"></span></h2>
    <div class="controls">
      <button type="button" id="pause">Pause</button>
      <button type="button" id="resume">Resume</button>
      <button type="button" id="stop">Stop</button>
    </div>
    <div class="controls">
      <label>delay ms <input id="delay-ms" type="number" min="0" step="1"></label>
      <button type="button" id="set-delay">Set delay</button>
      <label>concurrency <input id="concurrency" type="number" min="1" step="1"></label>
      <button type="button" id="set-concurrency">Set concurrency</button>
      <label>deny <input id="deny-pattern" type="text" placeholder="regular expression"></label>
      <button type="button" id="add-deny">Add deny pattern</button>
    </div>
    <div class="controls">
      <label>key <input id="set-key" type="text" placeholder="limits.max_pages"></label>
      <label>value <input id="set-value" type="text"></label>
      <button type="button" id="set-key-value">Set</button>
      <label>host <input id="host-name" type="text" placeholder="example.com"></label>
      <button type="button" id="pause-host">Pause host</button>
      <button type="button" id="resume-host">Resume host</button>
      <label>seed <input id="seed-url" type="text" placeholder="https://…"></label>
      <button type="button" id="add-seed">Add seed</button>
    </div>
    <div class="muted">deny patterns: <span id="deny-list">–</span> · paused hosts: <span id="paused-hosts">–</span></div>
    <div id="control-message" class="muted" data-ok=""></div>
  </section>

  <section class="cards">
    <div class="card"><div class="label">Pages done</div><div class="value" id="pages">–</div></div>
    <div class="card"><div class="label">Queued</div><div class="value" id="queued">–</div></div>
    <div class="card"><div class="label">Failed</div><div class="value" id="failed">–</div></div>
    <div class="card"><div class="label">In flight</div><div class="value" id="in-flight">–</div></div>
    <div class="card"><div class="label">Items</div><div class="value" id="items">–</div></div>
    <div class="card"><div class="label">Downloaded</div><div class="value" id="bytes">–</div></div>
    <div class="card"><div class="label">Pages/s</div><div class="value" id="pages-rate">–</div></div>
    <div class="card"><div class="label">Bytes/s</div><div class="value" id="bytes-rate">–</div></div>
    <div class="card"><div class="label">Elapsed</div><div class="value" id="elapsed">–</div></div>
    <div class="card"><div class="label">ETA</div><div class="value" id="eta">–</div></div>
    <div class="card"><div class="label">Memory</div><div class="value" id="rss">–</div></div>
    <div class="card"><div class="label">CPU</div><div class="value" id="cpu">–</div></div>
  </section>

  <section class="panel">
    <h2>Throughput</h2>
    <canvas id="chart" data-points="0" aria-label="pages and bytes per second over time"></canvas>
    <div class="legend"><span class="key pages"></span>pages/s <span class="key bytes"></span>bytes/s</div>
  </section>

  <div class="grid">
    <section class="panel">
      <h2>Status codes</h2>
      <table id="status-codes"><thead><tr><th>status</th><th class="num">fetches</th></tr></thead><tbody></tbody></table>
    </section>
    <section class="panel">
      <h2>Errors</h2>
      <table id="errors"><thead><tr><th>reason</th><th>kind</th><th class="num">count</th></tr></thead><tbody></tbody></table>
    </section>
    <section class="panel">
      <h2>Frontier</h2>
      <table id="frontier"><thead><tr><th>state</th><th class="num">URLs</th></tr></thead><tbody></tbody></table>
    </section>
    <section class="panel">
      <h2>Items per rule</h2>
      <table id="rules"><thead><tr><th>rule</th><th class="num">items</th><th>download</th></tr></thead><tbody></tbody></table>
    </section>
  </div>

  <section class="panel" id="fleet-panel" hidden>
    <h2>Workers <span id="fleet-summary" class="muted"></span></h2>
    <div class="scroll">
      <table id="fleet"><thead><tr><th>worker</th><th>host</th><th>state</th><th class="num">in flight</th><th class="num">pages</th><th class="num">pages/s</th><th class="num">last seen</th></tr></thead><tbody></tbody></table>
    </div>
  </section>

  <section class="panel">
    <h2>Hosts <span id="hosts-total" class="muted"></span></h2>
    <div class="scroll">
      <table id="hosts"><thead><tr><th>host</th><th>group</th><th class="num">in flight</th><th class="num">queued</th><th class="num">delay</th><th>robots.txt</th><th class="num">fetched</th><th class="num">errors</th></tr></thead><tbody></tbody></table>
    </div>
  </section>

  <section class="panel">
    <h2>Latest items</h2>
    <div id="rule-tabs" class="tabs"></div>
    <div class="scroll">
      <table id="records"><thead></thead><tbody></tbody></table>
    </div>
  </section>

  <section class="panel">
    <h2>Recent failures</h2>
    <div class="scroll">
      <table id="failures"><thead><tr><th>when</th><th>status</th><th>error</th><th>URL</th></tr></thead><tbody></tbody></table>
    </div>
  </section>
</main>
<footer class="muted">
  crawlbox status · <a id="link-status" href="/api/status{{Q}}">/api/status</a> ·
  <a id="link-metrics" href="/metrics{{Q}}">/metrics</a>
</footer>
</body>
</html>
)html";

}  // namespace

std::string PageHtml(std::string_view asset_query) {
  std::string out;
  out.reserve(kHtml.size() + 8 * asset_query.size());
  size_t pos = 0;
  while (true) {
    const size_t mark = kHtml.find(kQueryMark, pos);
    if (mark == std::string_view::npos) {
      out.append(kHtml.substr(pos));
      break;
    }
    out.append(kHtml.substr(pos, mark - pos));
    out.append(asset_query);
    pos = mark + kQueryMark.size();
  }
  return out;
}

}  // namespace crawlbox::web
