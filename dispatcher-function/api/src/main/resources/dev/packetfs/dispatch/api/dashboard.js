// The cost dashboard (GET /dashboard). It holds no data of its own: it reads GET /metrics with a
// range (live, from /metrics/stream, or every 2 s where the stream is not served) and
// GET /dead-letters, with the API key the user gives it, kept in this tab's sessionStorage.
// Charts are uPlot's, served by the dispatcher at /dashboard/uplot.js; nothing is loaded from
// anywhere else (the page's Content-Security-Policy says so too).
/* global uPlot */

const $ = (id) => document.getElementById(id);
const KEY = 'packetfs-api-key';
const POLL_MS = 2000;
const DEAD_LETTERS_MS = 5000;
const COLORS = { local: '#4a7bd0', lambda: '#e8912d', flyio: '#7b4ad0', cloudflare: '#d9480f', browser: '#2da44e' };
const PALETTE = ['#0b7285', '#862e9c', '#5c940d', '#c2255c', '#364fc7', '#a61e4d'];

/** What the page shows now; tests read it (window.packetfsDashboard). */
const state = { range: '15m', metrics: null, deadLetters: null, charts: {}, mode: 'connecting', substrates: [] };
window.packetfsDashboard = state;

let connection = null; // AbortController of the live stream or poll in progress
let pollTimer = null;

function color(name) {
  if (COLORS[name]) return COLORS[name];
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

function authHeaders() {
  const key = sessionStorage.getItem(KEY);
  return key ? { Authorization: 'Bearer ' + key } : {};
}

function bytes(n) {
  if (n < 1e3) return `${n} B`;
  const units = [
    ['GB', 1e9],
    ['MB', 1e6],
    ['kB', 1e3],
  ];
  const [unit, size] = units.find(([, s]) => n >= s);
  return `${(n / size).toFixed(n >= 100 * size ? 0 : 2)} ${unit}`;
}

/** A table cell; `field` and `value` (the exact JSON value) go into data attributes for checking. */
function cell(row, text, { cls, field, value, title } = {}) {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  if (field) td.dataset.field = field;
  if (value !== undefined) td.dataset.value = value === null ? 'null' : String(value);
  if (title) td.title = title;
  return td;
}

function setMode(mode) {
  state.mode = mode;
  const live = $('live');
  live.className = `live ${mode === 'live' ? 'on' : mode === 'polling' ? 'polling' : 'off'}`;
  live.textContent = mode === 'live' ? 'live' : mode === 'polling' ? `every ${POLL_MS / 1000} s` : mode;
}

function needKey(refused) {
  $('auth').hidden = false;
  $('error').textContent = refused ? 'That API key was refused.' : 'This dispatcher needs its API key.';
  setMode('no key');
}

// -- rendering -----------------------------------------------------------------------------

function render(m) {
  state.metrics = m;
  $('error').textContent = '';
  $('auth').hidden = true;
  $('total').textContent = m.total_cost_usd;
  $('ready').textContent = m.queue.ready + m.queue.ingress;
  $('inflight').textContent = m.queue.in_flight;
  $('delayed').textContent = m.queue.delayed;
  $('dead').textContent = m.queue.dead;
  renderSubstrates(m);
  renderVolunteers(m.volunteers);
  if (m.series) renderCharts(m.series);
  renderFanOuts(m.fanouts ?? []);
  $('updated').textContent = `Updated ${new Date(m.generated_at).toLocaleTimeString()}.`;
  document.body.dataset.generatedAt = m.generated_at;
  if (state.deadLetters === null || state.deadLetters.count !== m.queue.dead) refreshDeadLetters();
}

function status(s) {
  const live = s.live;
  if (!live) return ['not here', 'idle', 'configured on another dispatcher'];
  if (live.status === 'idle') return [live.health, 'idle', 'nothing connected to take work; nothing wrong'];
  if (!live.healthy) return ['down', 'bad', live.health];
  if (live.breaker !== 'closed') return [`breaker ${live.breaker.replace('_', '-')}`, 'warn', live.health];
  return ['up', 'ok', `${live.health} · score ${live.score} · ${live.in_flight}/${live.capacity} in flight`];
}

function renderSubstrates(m) {
  const names = Object.keys(m.substrates);
  const total = Number(m.total_cost_usd) || 0;
  let jobs = 0;
  const rows = $('rows');
  rows.replaceChildren();
  for (const name of names) {
    const s = m.substrates[name];
    jobs += s.jobs;
    const row = rows.insertRow();
    row.dataset.substrate = name;
    const first = cell(row, name, { field: 'name', value: name });
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = color(name);
    first.prepend(swatch);
    const [text, cls, title] = status(s);
    cell(row, text, { cls, field: 'status', value: s.live?.status ?? 'absent', title });
    cell(row, s.jobs, { field: 'jobs', value: s.jobs });
    cell(row, s.successes, { field: 'successes', value: s.successes });
    cell(row, s.failures, { cls: s.failures ? 'bad' : '', field: 'failures', value: s.failures });
    cell(row, s.throttled, { cls: s.throttled ? 'warn' : '', field: 'throttled', value: s.throttled });
    const lat = cell(row, `${s.p50_ms} / ${s.p95_ms} / ${s.p99_ms}`, {
      field: 'latency',
      value: `${s.p50_ms}/${s.p95_ms}/${s.p99_ms}`,
    });
    lat.title = `over the latest ${s.latency_sample} executions`;
    cell(row, bytes(s.bytes_processed), {
      field: 'bytes_processed',
      value: s.bytes_processed,
      title: `${s.bytes_processed} bytes`,
    });
    cell(row, s.total_cost_usd, { field: 'total_cost_usd', value: s.total_cost_usd });
    cell(row, s.cost_per_gb_usd ?? '–', { field: 'cost_per_gb_usd', value: s.cost_per_gb_usd });
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.background = color(name);
    bar.style.width = total > 0 ? `${(100 * Number(s.total_cost_usd)) / total}%` : '0';
    const td = row.insertCell();
    td.style.width = '140px';
    td.append(bar);
  }
  $('jobs').textContent = jobs;
}

/**
 * An amount in USD as short as it can be and whole: two significant digits below a dollar
 * ($0.0004, $1.2e-7), cents above; never the zero-padded tail toPrecision gives ($0.000400).
 */
function usd(v) {
  if (v === 0) return '$0';
  return `$${Math.abs(v) >= 1 ? v.toFixed(2) : String(Number(v.toPrecision(2)))}`;
}

/** Room for the y axis' longest label, so that no label is cut (uPlot calls it with the labels it drew). */
function axisSize(u, values, axisIdx) {
  if (!values || values.length === 0) return 40;
  const axis = u.axes[axisIdx];
  u.ctx.font = axis.font[0];
  const widest = Math.max(...values.map((v) => u.ctx.measureText(String(v)).width)) / devicePixelRatio;
  return Math.ceil(widest + axis.ticks.size + axis.gap + 6);
}

/** The charts: one uPlot each, one line per substrate (two for latency: p50, p99). */
const CHARTS = [
  { id: 'chart-jobs', fields: ['jobs_per_s'], fmt: (v) => v.toFixed(2) },
  { id: 'chart-success', fields: ['success_rate'], fmt: (v) => `${(100 * v).toFixed(0)}%`, range: [0, 1] },
  { id: 'chart-latency', fields: ['p50_ms', 'p99_ms'], fmt: (v) => `${v}` },
  { id: 'chart-cost', fields: ['cumulative_cost_usd'], fmt: (v) => usd(v) },
  { id: 'chart-pergb', fields: ['cost_per_gb_usd'], fmt: (v) => usd(v) },
];

function chartData(series, def, names) {
  const data = [series.t];
  for (const name of names) for (const f of def.fields) data.push(series.substrates[name][f]);
  return data;
}

function renderCharts(series) {
  const names = Object.keys(series.substrates);
  const shape = `${series.range}|${names.join(',')}`;
  $('range-note').textContent = `(${series.t.length} steps of ${series.step_s} s)`;
  if (shape !== state.chartShape) {
    state.chartShape = shape;
    renderLegend(names);
    for (const def of CHARTS) {
      state.charts[def.id]?.destroy();
      const host = $(def.id);
      host.replaceChildren();
      const lines = [{}];
      for (const name of names) {
        def.fields.forEach((f, i) =>
          lines.push({
            label: def.fields.length > 1 ? `${name} ${f.replace('_ms', '')}` : name,
            stroke: color(name),
            width: 2,
            dash: i === 1 ? [6, 4] : undefined,
            points: { show: true, size: 4 },
            value: (u, v) => (v === null || v === undefined ? '–' : def.fmt(v)),
          }),
        );
      }
      state.charts[def.id] = new uPlot(
        {
          width: Math.max(300, host.clientWidth || 360),
          height: 190,
          legend: { show: false },
          scales: { x: { time: true }, y: def.range ? { range: def.range } : { auto: true } },
          axes: [{}, { values: (u, ticks) => ticks.map((v) => def.fmt(v)), size: axisSize }],
          series: lines,
        },
        chartData(series, def, names),
        host,
      );
    }
  } else {
    for (const def of CHARTS) state.charts[def.id].setData(chartData(series, def, names));
  }
}

function renderLegend(names) {
  const legend = $('legend');
  legend.replaceChildren();
  for (const name of names) {
    const item = document.createElement('span');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = color(name);
    item.append(swatch, name);
    legend.append(item);
  }
}

/** The volunteers per shard of their coordinator: the edge's Durable Objects, or this dispatcher. */
function renderVolunteers(v) {
  $('volunteers').hidden = !v;
  $('volunteers-card').hidden = !v;
  if (!v) return;
  $('volunteers-total').textContent = v.volunteers;
  $('volunteers-where').textContent =
    v.coordinator === 'edge'
      ? `at the edge coordinator: ${v.shards.length} Durable Objects, ${v.slots} slots, ${v.busy} busy`
      : `on this dispatcher's /browser: ${v.slots} slots, ${v.busy} busy`;
  const rows = $('shard-rows');
  rows.replaceChildren();
  for (const s of v.shards) {
    const row = rows.insertRow();
    row.dataset.shard = s.shard;
    cell(row, s.shard, { field: 'shard', value: s.shard });
    cell(row, s.volunteers, { field: 'volunteers', value: s.volunteers });
    cell(row, s.slots, { field: 'slots', value: s.slots });
    cell(row, s.busy, { field: 'busy', value: s.busy });
    const track = document.createElement('span');
    track.className = 'track';
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${s.slots ? (100 * Math.min(s.busy, s.slots)) / s.slots : 0}%`;
    track.append(bar);
    row.insertCell().append(track);
  }
}

function renderFanOuts(fanouts) {
  const rows = $('fanout-rows');
  rows.replaceChildren();
  $('fanout-empty').hidden = fanouts.length > 0;
  $('fanouts').hidden = fanouts.length === 0;
  for (const f of fanouts) {
    const row = rows.insertRow();
    row.dataset.jobId = f.job_id;
    cell(row, f.job_id, { field: 'job_id', value: f.job_id });
    cell(row, f.op, { field: 'op', value: f.op });
    cell(row, `${f.windows_done} / ${f.windows}`, { field: 'windows', value: `${f.windows_done}/${f.windows}` });
    const track = document.createElement('span');
    track.className = 'track';
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${f.windows ? (100 * f.windows_done) / f.windows : 0}%`;
    track.append(bar);
    row.insertCell().append(track);
    cell(row, `${bytes(f.bytes_done)} / ${bytes(f.bytes)}`, { field: 'bytes', value: `${f.bytes_done}/${f.bytes}` });
    cell(row, f.cost_usd, { field: 'cost_usd', value: f.cost_usd });
    cell(row, `${f.hedges} (${f.hedges_won} won)`, { field: 'hedges', value: `${f.hedges}/${f.hedges_won}` });
    const subs = cell(row, '', { cls: 'text', field: 'substrates' });
    for (const [name, s] of Object.entries(f.substrates)) {
      const chip = document.createElement('span');
      chip.className = 'chip';
      chip.textContent = `${name} ${s.windows}`;
      chip.style.borderColor = color(name);
      subs.append(chip);
    }
  }
}

function renderDeadLetters(d) {
  state.deadLetters = d;
  const rows = $('dead-rows');
  rows.replaceChildren();
  $('dead-empty').hidden = d.dead_letters.length > 0;
  $('dead-letters').hidden = d.dead_letters.length === 0;
  for (const l of d.dead_letters) {
    const row = rows.insertRow();
    row.dataset.id = l.id;
    cell(row, new Date(l.at).toLocaleString(), { field: 'at', value: l.at });
    cell(row, l.job_id ?? '(no id)', { field: 'job_id', value: l.job_id });
    cell(row, l.op ?? '–', { field: 'op', value: l.op });
    cell(row, l.attempts, { field: 'attempts', value: l.attempts });
    const errors = row.insertCell();
    errors.className = 'text';
    errors.dataset.field = 'errors';
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = l.errors[l.errors.length - 1] ?? '';
    const list = document.createElement('ol');
    for (const e of l.errors) {
      const li = document.createElement('li');
      li.textContent = e;
      list.append(li);
    }
    details.append(summary, list);
    errors.append(details);
    const action = row.insertCell();
    const button = document.createElement('button');
    button.className = 'requeue';
    button.textContent = 'Requeue';
    button.disabled = !l.job_id;
    button.addEventListener('click', () => requeue(l, button));
    action.append(button);
  }
}

// -- talking to the dispatcher ---------------------------------------------------------------

async function refreshDeadLetters() {
  try {
    const r = await fetch('dead-letters?limit=50', { headers: authHeaders() });
    if (r.ok) renderDeadLetters(await r.json());
  } catch (e) {
    // the next metrics update asks again
  }
}

async function requeue(letter, button) {
  button.disabled = true;
  const r = await fetch(`dead-letters/${encodeURIComponent(letter.id)}/requeue`, {
    method: 'POST',
    headers: { ...authHeaders(), 'Content-Type': 'application/json' },
    body: '{}',
  });
  if (r.status !== 202) {
    $('error').textContent =
      `Requeue of ${letter.job_id}: ${(await r.json().catch(() => ({}))).error ?? `HTTP ${r.status}`}`;
    button.disabled = false;
    return;
  }
  await refreshDeadLetters();
}

/** Reads server-sent events from a fetch (EventSource cannot send the API key). */
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      const data = event
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      if (data) onEvent(JSON.parse(data));
    }
  }
}

async function connect() {
  connection?.abort();
  clearTimeout(pollTimer);
  const ctrl = new AbortController();
  connection = ctrl;
  try {
    const r = await fetch(`metrics/stream?range=${state.range}`, {
      headers: { ...authHeaders(), Accept: 'text/event-stream' },
      signal: ctrl.signal,
    });
    if (r.status === 401) return needKey(Boolean(sessionStorage.getItem(KEY)));
    if (!r.ok) return poll(ctrl);
    setMode('live');
    await readEvents(r, render);
  } catch (e) {
    if (ctrl.signal.aborted) return;
  }
  if (ctrl.signal.aborted) return;
  // The stream ended (the dispatcher restarted, a proxy cut it): poll, and try the stream again.
  setMode('reconnecting');
  pollTimer = setTimeout(connect, POLL_MS);
}

/** Where the live stream is not served (the Lambda function URL): GET /metrics every POLL_MS. */
async function poll(ctrl) {
  setMode('polling');
  while (!ctrl.signal.aborted) {
    try {
      const r = await fetch(`metrics?range=${state.range}`, { headers: authHeaders(), signal: ctrl.signal });
      if (r.status === 401) return needKey(Boolean(sessionStorage.getItem(KEY)));
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      render(await r.json());
    } catch (e) {
      if (ctrl.signal.aborted) return;
      $('error').textContent = `Cannot read /metrics: ${e.message}`;
    }
    await new Promise((resolve) => {
      pollTimer = setTimeout(resolve, POLL_MS);
    });
  }
}

for (const button of document.querySelectorAll('.ranges button')) {
  button.addEventListener('click', () => {
    for (const b of document.querySelectorAll('.ranges button')) b.classList.toggle('on', b === button);
    state.range = button.dataset.range;
    state.chartShape = null;
    connect();
  });
}
$('save').addEventListener('click', () => {
  sessionStorage.setItem(KEY, $('key').value);
  connect();
  refreshDeadLetters();
});
setInterval(refreshDeadLetters, DEAD_LETTERS_MS);
connect();
