// The status page's script. It polls the JSON API and builds every element
// with createElement/textContent: data from crawled pages is only ever text.
// Served from /app.js so the Content-Security-Policy can forbid inline script.
#include "web/page.h"

namespace crawlbox::web {

namespace {

constexpr std::string_view kJs = R"js('use strict';
(function () {
  const POLL_MS = 2000;
  const token = new URLSearchParams(window.location.search).get('token');
  let selectedRule = null;

  function $(id) { return document.getElementById(id); }

  function apiUrl(path, params) {
    const q = new URLSearchParams(params || {});
    if (token) q.set('token', token);
    const s = q.toString();
    return path + (s ? '?' + s : '');
  }

  async function getJson(path, params) {
    const response = await fetch(apiUrl(path, params), { cache: 'no-store' });
    if (!response.ok) {
      let message = 'HTTP ' + response.status;
      try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
      throw new Error(path + ': ' + message);
    }
    return response.json();
  }

  function fmtInt(n) {
    return (n === null || n === undefined) ? '–' : Number(n).toLocaleString('en-US');
  }
  function fmtRate(x) {
    if (x === null || x === undefined) return '–';
    return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
  }
  function fmtBytes(n) {
    if (n === null || n === undefined) return '–';
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
    return (i === 0 ? String(Math.round(n)) : n.toFixed(n >= 100 ? 0 : 1)) + ' ' + units[i];
  }
  function fmtDuration(s) {
    if (s === null || s === undefined || !isFinite(s)) return '–';
    s = Math.max(0, Math.round(s));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    const two = (v) => (v < 10 ? '0' : '') + v;
    return h > 0 ? h + ':' + two(m) + ':' + two(sec) : m + ':' + two(sec);
  }
  function fmtTime(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
  }

  // Sets an element's text, and its raw value as data-value for scripts.
  function show(id, text, value) {
    const el = $(id);
    el.textContent = text;
    if (value !== undefined) el.setAttribute('data-value', value === null ? '' : String(value));
  }

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '' : String(text);
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function linkCell(row, url) {
    const td = document.createElement('td');
    const text = url === null || url === undefined ? '' : String(url);
    if (/^https?:\/\//i.test(text)) {
      const a = document.createElement('a');
      a.href = text;
      a.rel = 'noopener noreferrer nofollow';
      a.target = '_blank';
      a.textContent = text;
      td.appendChild(a);
    } else {
      td.textContent = text;
    }
    td.setAttribute('title', text);
    row.appendChild(td);
  }

  // Replaces a table body with `rows` (arrays of [text, className]).
  function fillBody(table, rows, emptyText, columns) {
    const body = table.tBodies[0];
    body.replaceChildren();
    if (rows.length === 0) {
      const tr = document.createElement('tr');
      const td = cell(tr, emptyText, 'empty');
      td.colSpan = columns;
      body.appendChild(tr);
      return;
    }
    for (const r of rows) {
      const tr = document.createElement('tr');
      for (const c of r) cell(tr, c[0], c[1]);
      body.appendChild(tr);
    }
  }

  function countsRows(counts, badWhen) {
    return Object.keys(counts || {}).map((k) => [
      [k, badWhen && badWhen(k) ? 'bad' : ''], [fmtInt(counts[k]), 'num']]);
  }

  const RUNNING = { running: true, stopping: true, starting: true };

  function renderStatus(s) {
    document.body.setAttribute('data-seq', String(s.seq));
    document.body.setAttribute('data-state', s.state || 'none');
    show('job', s.job || 'crawlbox');
    document.title = (s.job || 'crawlbox') + ' · crawlbox';
    const state = $('state');
    state.textContent = s.state || 'no crawl yet';
    state.className = 'badge ' + (s.state || '');
    show('crawl-id', s.crawl_id === null ? '–' : String(s.crawl_id), s.crawl_id);
    show('started', fmtTime(s.started_at));
    show('source', s.source);
    show('updated', new Date(s.generated_at * 1000).toLocaleTimeString());

    show('pages', fmtInt(s.pages), s.pages);
    show('queued', fmtInt(s.queued), s.queued);
    show('failed', fmtInt(s.failed), s.failed);
    show('in-flight', fmtInt(s.in_flight), s.in_flight);
    show('items', fmtInt(s.items), s.items);
    show('bytes', fmtBytes(s.bytes), s.bytes);
    show('pages-rate', fmtRate(s.pages_per_s), s.pages_per_s);
    show('bytes-rate', fmtBytes(s.bytes_per_s) + '/s', s.bytes_per_s);
    show('elapsed', fmtDuration(s.elapsed_s), s.elapsed_s);
    const running = RUNNING[s.state] === true;
    show('eta', running ? (s.eta_s === null ? 'unknown' : fmtDuration(s.eta_s)) : '–', s.eta_s);
    show('rss', fmtBytes(s.process.rss_bytes), s.process.rss_bytes);
    show('cpu', s.process.cpu_percent.toFixed(0) + ' %', s.process.cpu_percent);

    // Progress: against the page limit when there is one, else against the
    // URLs known so far (more may be discovered).
    let total, text;
    if (s.remaining_pages !== null) {
      total = s.pages + s.remaining_pages;
      text = fmtInt(s.pages) + ' of ' + fmtInt(total) + ' pages (limits.max_pages)';
    } else {
      total = s.pages + s.queued + s.in_flight;
      text = fmtInt(s.pages) + ' pages done, ' + fmtInt(s.queued) + ' queued' +
             (running ? ' (more may be discovered)' : '');
    }
    let fraction = total > 0 ? s.pages / total : 0;
    if (s.state === 'finished') fraction = 1;
    $('progress-bar').style.width = (100 * Math.min(1, fraction)).toFixed(1) + '%';
    show('progress-text', text, fraction.toFixed(4));

    fillBody($('status-codes'), countsRows(s.status_codes, (k) => Number(k) >= 400),
             'no responses yet', 2);
    const errors = [];
    for (const [kind, counts] of [['fetch', s.fetch_errors], ['failed URL', s.failed_reasons],
                                  ['blocked URL', s.blocked_reasons]]) {
      for (const k of Object.keys(counts || {})) {
        errors.push([[k, 'bad'], [kind, ''], [fmtInt(counts[k]), 'num']]);
      }
    }
    fillBody($('errors'), errors, 'no errors', 3);
    fillBody($('frontier'), countsRows(s.frontier), 'empty', 2);
    renderRules(s.items_per_rule || {});
    renderTabs(s.items_per_rule || {});
    drawChart(s.history || []);
  }

  // Each rule's records as a file: the bytes `crawlbox export` writes.
  function renderRules(perRule) {
    const rules = Object.keys(perRule);
    fillBody($('rules'), [], 'no items yet', 3);
    if (rules.length === 0) return;
    const body = $('rules').tBodies[0];
    body.replaceChildren();
    for (const rule of rules) {
      const tr = document.createElement('tr');
      cell(tr, rule);
      cell(tr, fmtInt(perRule[rule]), 'num');
      const td = cell(tr, '');
      for (const format of ['csv', 'jsonl']) {
        const a = document.createElement('a');
        a.href = apiUrl('/api/export', { rule: rule, format: format });
        a.download = rule + '.' + format;
        a.className = 'download';
        a.setAttribute('data-rule', rule);
        a.setAttribute('data-format', format);
        a.textContent = format.toUpperCase();
        if (format !== 'csv') td.appendChild(document.createTextNode(' · '));
        td.appendChild(a);
      }
      body.appendChild(tr);
    }
  }

  function renderTabs(perRule) {
    const rules = Object.keys(perRule);
    if (selectedRule === null || (selectedRule !== '' && !(selectedRule in perRule))) {
      selectedRule = rules.length > 0 ? rules[0] : '';
    }
    const tabs = $('rule-tabs');
    tabs.replaceChildren();
    const names = rules.length > 1 ? [''].concat(rules) : rules;
    for (const name of names) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = (name === '' ? 'all rules' : name) +
                      ' (' + fmtInt(name === '' ? rules.reduce((a, r) => a + perRule[r], 0)
                                                : perRule[name]) + ')';
      if (name === selectedRule) b.className = 'active';
      b.addEventListener('click', () => { selectedRule = name; refreshItems(); });
      tabs.appendChild(b);
    }
  }

  function renderItems(data) {
    const table = $('records');
    const head = table.tHead;
    head.replaceChildren();
    const keys = [];
    for (const item of data.items) {
      const rec = item.record;
      if (rec && typeof rec === 'object' && !Array.isArray(rec)) {
        for (const k of Object.keys(rec)) if (!keys.includes(k) && keys.length < 8) keys.push(k);
      }
    }
    const hr = document.createElement('tr');
    const columns = ['#'].concat(data.rule === null ? ['rule'] : [], keys, ['page']);
    for (const c of columns) {
      const th = document.createElement('th');
      th.textContent = c;
      hr.appendChild(th);
    }
    head.appendChild(hr);
    const body = table.tBodies[0];
    body.replaceChildren();
    table.setAttribute('data-rows', String(data.items.length));
    table.setAttribute('data-total', String(data.total));
    if (data.items.length === 0) {
      const tr = document.createElement('tr');
      const td = cell(tr, 'no items yet', 'empty');
      td.colSpan = columns.length;
      body.appendChild(tr);
      return;
    }
    for (const item of data.items) {
      const tr = document.createElement('tr');
      tr.setAttribute('data-item-id', String(item.id));
      cell(tr, item.id, 'num');
      if (data.rule === null) cell(tr, item.rule);
      const rec = (item.record && typeof item.record === 'object') ? item.record : { value: item.record };
      for (const k of keys) {
        const v = rec[k];
        const text = v === null || v === undefined ? '' : (typeof v === 'object' ? JSON.stringify(v) : String(v));
        cell(tr, text).setAttribute('title', text);
      }
      linkCell(tr, item.url);
      body.appendChild(tr);
    }
  }

  function renderHosts(data) {
    show('hosts-total', data.total > data.hosts.length
      ? '(' + data.hosts.length + ' busiest of ' + fmtInt(data.total) + ')'
      : '(' + fmtInt(data.total) + ')', data.total);
    const rows = data.hosts.map((h) => [
      [h.host, ''], [groupText(h), 'muted'],
      [h.in_flight === null ? '–' : fmtInt(h.in_flight), 'num'],
      [fmtInt(h.queued), 'num'], [h.delay_ms === null ? '–' : fmtInt(h.delay_ms) + ' ms', 'num'],
      [h.robots === null ? '–' : h.robots, h.robots === 'unavailable' ? 'bad' : ''],
      [fmtInt(h.fetched), 'num'], [fmtInt(h.errors), h.errors > 0 ? 'num bad' : 'num']]);
    fillBody($('hosts'), rows, 'no hosts yet', 8);
  }

  // A host's politeness window: blank when it is its own, else the address it
  // shares and that group's hosts and transfers in flight.
  function groupText(h) {
    if (h.group === null || h.group === undefined || h.group === h.host) return '';
    return h.group + (h.group_hosts > 1
      ? ' (' + fmtInt(h.group_hosts) + ' hosts, ' + fmtInt(h.group_in_flight) + ' in flight)' : '');
  }

  // Shown only for a distributed crawl (the master's page).
  function renderFleet(data) {
    $('fleet-panel').hidden = !data.distributed;
    if (!data.distributed) return;
    $('fleet-summary').textContent = '(' + fmtInt(data.pending) + ' tasks pending, ' +
      fmtInt(data.reclaimed) + ' claimed back, ' + fmtInt(data.duplicates) +
      ' duplicate results, epoch ' + data.epoch + ')';
    const rows = data.workers.map((w) => [
      [w.id, ''], [w.host, ''], [w.state, w.state === 'lost' ? 'bad' : ''],
      [fmtInt(w.in_flight), 'num'], [fmtInt(w.pages), 'num'],
      [w.pages_per_s.toFixed(1), 'num'], [w.seen_s_ago.toFixed(0) + ' s ago', 'num']]);
    fillBody($('fleet'), rows, 'no workers yet', 7);
  }

  function renderFailures(data) {
    const body = $('failures').tBodies[0];
    body.replaceChildren();
    if (data.recent.length === 0) {
      const tr = document.createElement('tr');
      cell(tr, 'none', 'empty').colSpan = 4;
      body.appendChild(tr);
      return;
    }
    for (const f of data.recent) {
      const tr = document.createElement('tr');
      cell(tr, fmtTime(f.fetched_at));
      cell(tr, f.status === null ? '' : f.status, 'bad');
      cell(tr, f.error === null ? '' : f.error, 'bad');
      linkCell(tr, f.url);
      body.appendChild(tr);
    }
  }

  function niceMax(x) {
    if (!(x > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(x)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
    return 10 * p;
  }

  let lastHistory = null;

  function drawChart(points) {
    lastHistory = points;
    const canvas = $('chart');
    const ratio = window.devicePixelRatio || 1;
    const w = Math.max(240, canvas.clientWidth || 600);
    const h = Math.max(140, canvas.clientHeight || 220);
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const style = getComputedStyle(document.documentElement);
    const color = (name) => style.getPropertyValue(name).trim() || '#888';
    const pad = { l: 44, r: 60, t: 8, b: 20 };
    const pw = w - pad.l - pad.r, ph = h - pad.t - pad.b;
    const step = points.length > 1 ? points[1].t_s - points[0].t_s : 1;
    const tMax = Math.max(1, points.length ? points[points.length - 1].t_s + step : 1);
    const pMax = niceMax(Math.max(0, ...points.map((p) => p.pages_per_s)));
    const bMax = niceMax(Math.max(0, ...points.map((p) => p.bytes_per_s)));
    ctx.font = '11px "DejaVu Sans", sans-serif';
    ctx.lineWidth = 1;
    ctx.strokeStyle = color('--line');
    ctx.fillStyle = color('--muted');
    for (let i = 0; i <= 4; i++) {
      const y = pad.t + ph - (ph * i) / 4;
      ctx.beginPath(); ctx.moveTo(pad.l, y); ctx.lineTo(pad.l + pw, y); ctx.stroke();
      ctx.textAlign = 'right';
      ctx.fillText(fmtRate((pMax * i) / 4), pad.l - 4, y + 4);
      ctx.textAlign = 'left';
      ctx.fillText(fmtBytes((bMax * i) / 4), pad.l + pw + 4, y + 4);
    }
    ctx.textAlign = 'center';
    for (let i = 0; i <= 4; i++) {
      ctx.fillText(fmtDuration((tMax * i) / 4), pad.l + (pw * i) / 4, h - 4);
    }
    const line = (key, max, stroke) => {
      if (points.length === 0) return;
      ctx.strokeStyle = stroke;
      ctx.lineWidth = 2;
      ctx.beginPath();
      points.forEach((p, i) => {
        const x = pad.l + (pw * (p.t_s + step / 2)) / tMax;
        const y = pad.t + ph - (ph * p[key]) / max;
        if (i === 0) ctx.moveTo(points.length === 1 ? pad.l : x, y);
        ctx.lineTo(points.length === 1 ? pad.l + pw : x, y);
      });
      ctx.stroke();
    };
    // Pixels the two lines covered, so a check can tell a drawn chart from
    // an empty frame.
    const ink = () => {
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    };
    const frame = ink();
    line('bytes_per_s', bMax, color('--accent2'));
    line('pages_per_s', pMax, color('--accent'));
    canvas.setAttribute('data-ink', String(ink() - frame));
    canvas.setAttribute('data-points', String(points.length));
    canvas.setAttribute('data-max-pages-per-s', String(pMax));
  }

  function setProblem(text) {
    const el = $('problem');
    el.hidden = !text;
    el.textContent = text || '';
  }

  // Controls: JSON with the custom header, which no cross-site form can
  // send; the token travels as a bearer, never in the body.
  function renderControl(s) {
    const panel = $('control-panel');
    panel.hidden = !s.running;
    panel.setAttribute('data-paused', String(s.paused));
    panel.setAttribute('data-delay-ms', String(s.politeness.delay_ms));
    panel.setAttribute('data-concurrency', String(s.fetch.concurrency));
    $('control-state').textContent = s.stopping ? 'stopping' : s.paused ? 'paused' : 'running';
    $('delay-ms').placeholder = String(s.politeness.delay_ms);
    $('concurrency').placeholder = String(s.fetch.concurrency);
    $('deny-list').textContent = s.scope.deny.length ? s.scope.deny.join('  ') : 'none';
    $('paused-hosts').textContent = s.paused_hosts.length ? s.paused_hosts.join(', ') : 'none';
  }

  async function control(body) {
    const headers = { 'Content-Type': 'application/json', 'X-Crawlbox-Control': 'page' };
    if (token) headers.Authorization = 'Bearer ' + token;
    const message = $('control-message');
    const panel = $('control-panel');
    try {
      const response = await fetch('/api/control', { method: 'POST', headers: headers,
                                                     body: JSON.stringify(body), cache: 'no-store' });
      let data = {};
      try { data = await response.json(); } catch (e) { /* not JSON */ }
      if (!response.ok) throw new Error(data.error || 'HTTP ' + response.status);
      message.textContent = 'applied: ' + (body.key ? body.key : body.command);
      message.setAttribute('data-ok', 'true');
      renderControl(data);
    } catch (e) {
      message.textContent = e.message;
      message.setAttribute('data-ok', 'false');
    }
    panel.setAttribute('data-seq', String(Number(panel.getAttribute('data-seq')) + 1));
  }

  function setFromInput(inputId, key) {
    const text = $(inputId).value.trim();
    if (!text) return;
    // A number when it reads as one; the server words any other value's
    // problem as the job file's check does.
    const value = /^-?[0-9]+$/.test(text) ? Number(text) : text;
    control({ command: 'set', key: key, value: value });
  }

  $('pause').addEventListener('click', () => control({ command: 'pause' }));
  $('resume').addEventListener('click', () => control({ command: 'resume' }));
  $('stop').addEventListener('click', () => {
    control({ command: 'stop' });
  });
  $('set-delay').addEventListener('click', () => setFromInput('delay-ms', 'politeness.delay_ms'));
  $('set-concurrency').addEventListener('click', () => setFromInput('concurrency', 'fetch.concurrency'));
  $('add-deny').addEventListener('click', () => {
    const pattern = $('deny-pattern').value;
    if (pattern) control({ command: 'set', key: 'scope.deny', add: [pattern] });
  });
  // Any live key (the list is in GET /api/control's answer and the README).
  $('set-key-value').addEventListener('click', () => {
    const key = $('set-key').value.trim();
    if (key) setFromInput('set-value', key);
  });
  for (const [button, command] of [['pause-host', 'pause_host'], ['resume-host', 'resume_host']]) {
    $(button).addEventListener('click', () => {
      const host = $('host-name').value.trim();
      if (host) control({ command: command, host: host });
    });
  }
  $('add-seed').addEventListener('click', () => {
    const url = $('seed-url').value.trim();
    if (url) control({ command: 'seed', url: url });
  });

  async function refreshItems() {
    const params = { limit: '20' };
    if (selectedRule) params.rule = selectedRule;
    renderItems(await getJson('/api/items', params));
  }

  async function refresh() {
    try {
      renderStatus(await getJson('/api/status'));
      const [hosts, errors, fleet, live] = await Promise.all([getJson('/api/hosts', { limit: '50' }),
                                                              getJson('/api/errors', { limit: '10' }),
                                                              getJson('/api/fleet'),
                                                              getJson('/api/control'),
                                                              refreshItems()]);
      renderControl(live);
      renderFleet(fleet);
      renderHosts(hosts);
      renderFailures(errors);
      setProblem(null);
      // Whether the page is wider than the screen (it should never be: wide
      // tables scroll inside their panels), for checks of narrow layouts.
      document.body.setAttribute('data-overflow',
          String(document.documentElement.scrollWidth > window.innerWidth + 1));
    } catch (e) {
      setProblem('Cannot update: ' + e.message);
    } finally {
      window.setTimeout(refresh, POLL_MS);
    }
  }

  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => { if (lastHistory) drawChart(lastHistory); }, 200);
  });

  refresh();
})();
)js";

}  // namespace

std::string_view PageJs() { return kJs; }

}  // namespace crawlbox::web
