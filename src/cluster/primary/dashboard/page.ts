/**
 * The dashboard page, one self-contained HTML document: its script draws with uPlot (served by
 * the admin endpoint from node_modules) and listens to `events` (SSE). Relative URLs, so it
 * works at any path a proxy or an `ssh -L` tunnel puts it under. No template literals inside
 * the script, so this file needs no escaping.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Volley dashboard</title>
<link rel="stylesheet" href="assets/uPlot.min.css">
<style>
  :root { color-scheme: light; --fg: #1d2733; --muted: #66707c; --line: #dde2e8; --bg: #f6f8fa; }
  body { font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
  header { display: flex; gap: 16px; align-items: baseline; padding: 12px 20px; background: #fff; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 18px; margin: 0; }
  #conn { margin-left: auto; color: var(--muted); }
  #conn.live { color: #1a7f37; }
  main { padding: 12px 20px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; margin-bottom: 12px; }
  h2 { font-size: 14px; margin: 0 0 8px; color: var(--muted); font-weight: 600; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: right; padding: 4px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
  #controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
  #controls input[type=number] { width: 4em; }
  #mode { color: var(--muted); }
  #result { font-weight: 600; }
  #charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 12px; }
  #charts section { margin: 0; }
  #markers { margin: 0; padding-left: 18px; max-height: 8em; overflow: auto; color: var(--muted); }
  #log { margin: 0; max-height: 22em; overflow: auto; font: 12px/1.35 ui-monospace, monospace; white-space: pre-wrap; }
  #log .error, #log .fatal { color: #b42318; }
  #log .warn { color: #9a6700; }
</style>
</head>
<body>
<header><h1>Volley</h1><span id="summary"></span><span id="conn">connecting…</span></header>
<main>
<section id="controls">
  <span id="mode"></span>
  <input id="token" type="password" placeholder="admin token" autocomplete="off" hidden>
  <span id="actions" hidden>
    <button id="reload" type="button">Rolling reload</button>
    <input id="scale-n" type="number" min="1" step="1" aria-label="workers">
    <button id="scale" type="button">Scale</button>
    <button id="stop" type="button">Stop</button>
  </span>
  <span id="result"></span>
</section>
<section>
  <h2>Workers</h2>
  <table id="workers"><thead><tr><th>worker</th><th>state</th><th>pid</th><th>generation</th><th>restarts</th><th>requests</th><th>req/s</th><th>RSS</th><th>lag</th></tr></thead><tbody></tbody></table>
</section>
<div id="charts"></div>
<section><h2>Reloads, restarts, scaling</h2><ul id="markers"></ul></section>
<section><h2>Merged log (newest last)</h2><pre id="log"></pre></section>
</main>
<script src="assets/uPlot.iife.min.js"></script>
<script>
"use strict";
var MAX_POINTS = 900, MAX_LOG_LINES = 500;
var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];
var CHARTS = [
  { id: "rps", title: "requests/s", total: true, workers: "rps", unit: "" },
  { id: "latency", title: "latency (ms): total p50, p99, and p99 per worker", latency: true, unit: " ms" },
  { id: "lag", title: "event-loop lag (ms)", workers: "lag", unit: " ms" },
  { id: "rss", title: "RSS (MB)", total: true, workers: "rss", scale: 1 / 1048576, unit: " MB" }
];
var state = { times: [], total: {}, workers: {}, markers: [], status: null, tokenRequired: false, ids: "" };
var charts = {};
window.dashboard = state;

function $(id) { return document.getElementById(id); }
function esc(s) { return String(s).replace(/[&<>]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;" }[c]; }); }
function fmt(v, digits) { return v == null || isNaN(v) ? "–" : Number(v).toFixed(digits); }
function mb(bytes) { return bytes > 0 ? fmt(bytes / 1048576, 0) + " MB" : "–"; }
function workerIds() { return Object.keys(state.workers).map(Number).sort(function (a, b) { return a - b; }); }
function color(i) { return COLORS[i % COLORS.length]; }

function seriesOf(def) {
  var out = [];
  var scale = def.scale || 1;
  var pick = function (arr) { return arr.map(function (v) { return v == null ? null : v * scale; }); };
  if (def.latency) {
    out.push({ label: "p50 total", stroke: "#444", data: pick(state.total.p50), width: 2 });
    out.push({ label: "p99 total", stroke: "#000", data: pick(state.total.p99), width: 2, dash: [6, 4] });
    workerIds().forEach(function (id, i) { out.push({ label: "p99 w" + id, stroke: color(i), data: pick(state.workers[id].p99) }); });
    return out;
  }
  if (def.total) out.push({ label: "total", stroke: "#000", data: pick(state.total[def.workers]), width: 2 });
  workerIds().forEach(function (id, i) { out.push({ label: "worker " + id, stroke: color(i), data: pick(state.workers[id][def.workers]) }); });
  return out;
}

function markerPlugin() {
  return { hooks: { draw: function (u) {
    var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
    ctx.save();
    ctx.font = (11 * devicePixelRatio) + "px system-ui";
    state.markers.forEach(function (m) {
      var x = Math.round(u.valToPos(m.at / 1000, "x", true));
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
      ctx.strokeStyle = m.kind === "restart" ? "#b42318" : m.kind === "reload" ? "#8250df" : "#0969da";
      ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + height); ctx.stroke();
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fillText(m.text, x + 3 * devicePixelRatio, top + 12 * devicePixelRatio);
    });
    ctx.restore();
  } } };
}

function build() {
  var host = $("charts");
  Object.keys(charts).forEach(function (k) { charts[k].destroy(); });
  charts = {};
  host.textContent = "";
  CHARTS.forEach(function (def) {
    var box = document.createElement("section");
    box.id = "chart-" + def.id;
    box.innerHTML = "<h2>" + esc(def.title) + "</h2>";
    host.appendChild(box);
    var series = seriesOf(def);
    var opts = {
      width: Math.max(320, box.clientWidth - 28), height: 200,
      scales: { x: { time: true } },
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      series: [{}].concat(series.map(function (s) {
        return { label: s.label, stroke: s.stroke, width: s.width || 1.5, dash: s.dash, spanGaps: false,
          value: function (u, v) { return v == null ? "–" : v.toFixed(v < 10 ? 2 : 0) + def.unit; } };
      })),
      axes: [{}, { size: 60 }],
      plugins: [markerPlugin()]
    };
    charts[def.id] = new uPlot(opts, [state.times.map(function (t) { return t / 1000; })].concat(series.map(function (s) { return s.data; })), box);
  });
  state.ids = workerIds().join(",");
}

function redraw() {
  if (workerIds().join(",") !== state.ids) return build();
  var xs = state.times.map(function (t) { return t / 1000; });
  CHARTS.forEach(function (def) { charts[def.id].setData([xs].concat(seriesOf(def).map(function (s) { return s.data; }))); });
}

function emptySeries(n) { var o = {}; state.series.forEach(function (k) { o[k] = new Array(n).fill(null); }); return o; }

function addPoint(p) {
  state.times.push(p.at);
  var n = state.times.length;
  state.series.forEach(function (k) { state.total[k].push(p.total[k]); });
  Object.keys(p.workers).forEach(function (id) { if (!state.workers[id]) state.workers[id] = emptySeries(n - 1); });
  Object.keys(state.workers).forEach(function (id) {
    var w = p.workers[id];
    state.series.forEach(function (k) { state.workers[id][k].push(w ? w[k] : null); });
  });
  if (n > MAX_POINTS) {
    var cut = n - MAX_POINTS;
    state.times.splice(0, cut);
    state.series.forEach(function (k) { state.total[k].splice(0, cut); });
    Object.keys(state.workers).forEach(function (id) {
      var w = state.workers[id];
      state.series.forEach(function (k) { w[k].splice(0, cut); });
      if (w.rss.every(function (v) { return v == null; })) delete state.workers[id];
    });
    while (state.markers.length && state.markers[0].at < state.times[0]) state.markers.shift();
  }
}

function renderStatus(status, point) {
  state.status = status;
  var p = status.primary;
  $("summary").textContent = "primary pid " + p.pid + " · v" + p.version + " · up " + Math.round(p.uptimeMs / 1000) + " s · " + status.desiredWorkers + " worker(s) wanted";
  if (document.activeElement !== $("scale-n")) $("scale-n").value = status.desiredWorkers;
  var rows = status.workers.map(function (w) {
    var rps = point && point.workers[w.id] ? point.workers[w.id].rps : null;
    return "<tr data-id=\\"" + w.id + "\\"><td>" + w.id + "</td><td>" + esc(w.state) + "</td><td>" + w.pid + "</td><td class=\\"generation\\">" + w.generation +
      "</td><td>" + w.restarts + "</td><td>" + w.requests + "</td><td class=\\"rps\\">" + fmt(rps, 0) + "</td><td>" + mb(w.rssBytes) + "</td><td>" + fmt(w.eventLoopLagMs, 1) + " ms</td></tr>";
  });
  $("workers").tBodies[0].innerHTML = rows.join("");
}

function renderMarkers() {
  $("markers").innerHTML = state.markers.map(function (m) {
    return "<li class=\\"" + m.kind + "\\">" + new Date(m.at).toLocaleTimeString() + " " + esc(m.text) + "</li>";
  }).join("");
}

function logLine(json) {
  var r;
  try { r = JSON.parse(json); } catch (e) { return { text: json, level: "info" }; }
  var who = r.worker === "primary" ? "primary " + r.pid : "worker " + r.worker + " " + r.pid;
  var msg = typeof r.msg === "string" ? r.msg : json;
  return { text: r.time + " [" + who + (r.stream === "stderr" ? " stderr" : "") + "] " + msg, level: r.level || "info" };
}

function addLogs(list, skipped) {
  var pre = $("log");
  var atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  var frag = document.createDocumentFragment();
  list.forEach(function (json) {
    var l = logLine(json);
    var div = document.createElement("div");
    div.className = l.level;
    div.textContent = l.text;
    frag.appendChild(div);
  });
  if (skipped) { var d = document.createElement("div"); d.className = "warn"; d.textContent = "… " + skipped + " record(s) not shown (volley logs has them all)"; frag.appendChild(d); }
  pre.appendChild(frag);
  while (pre.childNodes.length > MAX_LOG_LINES) pre.removeChild(pre.firstChild);
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

function updateControls() {
  var token = $("token").value;
  var locked = state.tokenRequired && token === "";
  $("token").hidden = !state.tokenRequired;
  $("actions").hidden = locked;
  $("mode").textContent = state.tokenRequired
    ? (locked ? "read-only: enter the admin token to reload, scale or stop" : "admin token entered")
    : "no admin token is configured: whoever reaches this endpoint may reload, scale or stop";
  try { sessionStorage.setItem("volley-admin-token", token); } catch (e) {}
}

function post(path, label) {
  var headers = {};
  var token = $("token").value;
  if (token) headers.authorization = "Bearer " + token;
  $("result").textContent = label + "…";
  return fetch(path, { method: "POST", headers: headers }).then(function (res) {
    return res.json().catch(function () { return {}; }).then(function (body) {
      $("result").textContent = res.status === 401 ? "refused: wrong or missing admin token (401)"
        : res.ok ? label + ": " + (body.status || "ok") : label + " failed: " + (body.error || res.status);
      return res.status;
    });
  }, function (err) { $("result").textContent = label + " failed: " + err.message; });
}

$("token").value = (function () { try { return sessionStorage.getItem("volley-admin-token") || ""; } catch (e) { return ""; } })();
$("token").addEventListener("input", updateControls);
$("reload").addEventListener("click", function () { post("reload", "reload"); });
$("scale").addEventListener("click", function () { post("scale?workers=" + encodeURIComponent($("scale-n").value), "scale"); });
$("stop").addEventListener("click", function () { if (confirm("Stop the server? Every worker drains and exits.")) post("stop", "stop"); });
window.addEventListener("resize", function () {
  Object.keys(charts).forEach(function (k) { var box = $("chart-" + k); charts[k].setSize({ width: Math.max(320, box.clientWidth - 28), height: 200 }); });
});

var source = new EventSource("events");
source.addEventListener("hello", function (e) {
  var d = JSON.parse(e.data);
  state.tokenRequired = d.tokenRequired;
  state.series = d.series;
  state.times = d.history.times;
  state.total = d.history.total;
  state.workers = d.history.workers;
  state.markers = d.history.markers;
  $("log").textContent = "";
  addLogs(d.logs, 0);
  updateControls();
  renderStatus(d.status, null);
  renderMarkers();
  build();
  $("conn").textContent = "live";
  $("conn").className = "live";
});
source.addEventListener("sample", function (e) {
  var d = JSON.parse(e.data);
  addPoint(d.point);
  d.markers.forEach(function (m) { state.markers.push(m); });
  renderStatus(d.status, d.point);
  if (d.markers.length) renderMarkers();
  redraw();
});
source.addEventListener("logs", function (e) { var d = JSON.parse(e.data); addLogs(d.records, d.skipped); });
source.onerror = function () { $("conn").textContent = "disconnected, retrying…"; $("conn").className = ""; };
</script>
</body>
</html>
`;
