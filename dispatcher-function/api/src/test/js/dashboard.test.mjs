// The dashboard in real Chromium (Debian's, driven by playwright-core) against the packaged
// dispatcher: after a known workload the page shows exactly what GET /metrics and
// GET /dead-letters return, its charts hold the series /metrics?range= returns, a fan-out job in
// progress is listed with its progress, a dead letter can be requeued from it, the browser
// substrate with no volunteer says so, the volunteers per shard of the edge coordinator are those
// /metrics counts, and no request leaves loopback. Screenshots are kept in
// dispatcher-function/api/target/dashboard-test/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import {
  edgeVolunteer,
  launchChromium,
  shardOf,
  startDispatcher,
  startFabric,
  startOrigin,
  until,
} from '@packetfs/browser-runtime/test/fabric.mjs';

const ARTIFACTS = new URL('../../../target/dashboard-test/', import.meta.url).pathname;
const OBJECT = new Uint8Array(2 * 1024 * 1024).map((_, i) => (i * 7919) & 0xff);

let dispatcher;
let origin;
let browser;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  origin = await startOrigin(new Map([['obj', OBJECT]]));
  dispatcher = await startDispatcher({
    PACKETFS_DISPATCH_INITIAL_BACKOFF: '20ms',
    PACKETFS_DISPATCH_MAX_BACKOFF: '50ms',
    PACKETFS_FANOUT_MAX_OUTSTANDING: '1',
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await dispatcher?.stop();
  await origin?.close();
});

async function json(path) {
  const r = await fetch(`${dispatcher.url}${path}`);
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  return r.json();
}

/** The volunteers table of the page: each shard's row as its data attributes. */
function shardRows(page) {
  return page.$$eval('#shard-rows tr', (rows) =>
    rows.map((tr) =>
      Object.fromEntries([...tr.cells].filter((c) => c.dataset.field).map((c) => [c.dataset.field, c.dataset.value])),
    ),
  );
}

/** Every request the page makes, and a route that refuses (and records) any that would leave loopback. */
async function watchedPage(context) {
  const requests = [];
  const refused = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.hostname === '127.0.0.1') return route.continue();
    refused.push(url.href);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('request', (r) => requests.push(r.url()));
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, requests, refused, errors };
}

test('the dashboard shows what /metrics returns, in charts, live, and nothing leaves loopback', async () => {
  // The known workload: 40 inline jobs that succeed, one whose origin always answers 503 (a dead
  // letter after three attempts), and a fan-out job whose first window never comes back, so it
  // stays in progress, unchanging, while the page is read.
  const jobs = [];
  for (let i = 0; i < 40; i++) jobs.push({ job_id: `ok-${i}`, program: { op: 'crc32c', data: 'MTIzNDU2Nzg5' } });
  await fetch(`${dispatcher.url}/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(jobs),
  });
  for (const j of jobs) await dispatcher.awaitResult(j.job_id);
  await dispatcher.submit({ job_id: 'dead-1', program: { op: 'add', data_url: origin.url('/status/503') } });
  const dead = await dispatcher.awaitResult('dead-1');
  assert.equal(dead.status, 'failed');
  await dispatcher.submit({
    job_id: 'fan-1',
    window_bytes: 65536,
    program: { op: 'crc32c', data_url: origin.url('/probe-only/obj') },
  });
  await until('fan-1 planned', async () => (await json('/jobs/fan-1')).fanout);

  const { page, requests, refused, errors } = await watchedPage(browser.context);
  await page.setViewportSize({ width: 1280, height: 1400 });
  await page.goto(`${dispatcher.url}/dashboard`);
  const before = await json('/metrics?range=15m');
  // The page's own render, made after ours was read: the same numbers, the workload being still.
  await page.waitForFunction(
    (t) => window.packetfsDashboard?.metrics?.generated_at > t && window.packetfsDashboard.mode === 'live',
    before.generated_at,
    { timeout: 30_000 },
  );
  await page.waitForSelector('#dead-rows tr', { timeout: 30_000 });
  const shown = await page.evaluate(() => window.packetfsDashboard.metrics);

  // The table: every substrate of /metrics, with its exact numbers.
  const rows = await page.$$eval('#rows tr', (trs) =>
    trs.map((tr) =>
      Object.fromEntries([...tr.cells].filter((c) => c.dataset.field).map((c) => [c.dataset.field, c.dataset.value])),
    ),
  );
  assert.deepEqual(
    rows.map((r) => r.name),
    Object.keys(before.substrates),
  );
  for (const row of rows) {
    const s = before.substrates[row.name];
    assert.equal(Number(row.jobs), s.jobs, row.name);
    assert.equal(Number(row.successes), s.successes, row.name);
    assert.equal(Number(row.failures), s.failures, row.name);
    assert.equal(Number(row.throttled), s.throttled, row.name);
    assert.equal(row.latency, `${s.p50_ms}/${s.p95_ms}/${s.p99_ms}`, row.name);
    assert.equal(Number(row.bytes_processed), s.bytes_processed, row.name);
    assert.equal(Number(row.total_cost_usd), Number(s.total_cost_usd), row.name);
    assert.equal(row.cost_per_gb_usd, String(s.cost_per_gb_usd), row.name);
  }
  assert.equal(before.substrates.local.jobs, 43, '40 jobs and three attempts of the dead one');
  assert.equal(before.substrates.local.successes, 40);
  const browserRow = page.locator('#rows tr[data-substrate="browser"] td[data-field="status"]');
  assert.equal(await browserRow.textContent(), 'no volunteers');
  // The dispatcher's own coordinator is one shard, empty.
  assert.deepEqual(before.volunteers, {
    substrate: 'browser',
    coordinator: 'dispatcher',
    shards: [{ shard: '0', volunteers: 0, slots: 0, busy: 0 }],
    volunteers: 0,
    slots: 0,
    busy: 0,
  });
  assert.deepEqual(await shardRows(page), [{ shard: '0', volunteers: '0', slots: '0', busy: '0' }]);
  assert.equal(await page.textContent('#total'), String(before.total_cost_usd));
  assert.equal(await page.textContent('#dead'), String(before.queue.dead));

  // The charts hold the series of the range, step for step (the page may be a step later).
  const charts = await page.evaluate(() =>
    Object.fromEntries(
      Object.entries(window.packetfsDashboard.charts).map(([id, u]) => [id, u.data.map((a) => Array.from(a))]),
    ),
  );
  const series = before.series;
  const names = Object.keys(series.substrates);
  const fields = {
    'chart-jobs': ['jobs_per_s'],
    'chart-success': ['success_rate'],
    'chart-latency': ['p50_ms', 'p99_ms'],
    'chart-cost': ['cumulative_cost_usd'],
    'chart-pergb': ['cost_per_gb_usd'],
  };
  let compared = 0;
  for (const [id, wanted] of Object.entries(fields)) {
    const data = charts[id];
    assert.ok(data, `chart ${id} drawn`);
    assert.equal(data[0].length, 90, `${id}: 15 minutes in 10 s steps`);
    let column = 1;
    for (const name of names) {
      for (const f of wanted) {
        series.t.forEach((t, i) => {
          const j = data[0].indexOf(t);
          if (j < 0 || j === data[0].length - 1) return; // the page's last step may still be filling
          const a = data[column][j];
          const b = series.substrates[name][f][i];
          assert.equal(
            a === null || a === undefined ? null : Number(a),
            b === null ? null : Number(b),
            `${id} ${name} ${f} at ${t}`,
          );
          compared++;
        });
        column++;
      }
    }
  }
  assert.ok(compared > 100, `chart points compared: ${compared}`);

  // Small amounts on the cost axes are written whole and have room: no label is cut.
  const costAxes = await page.evaluate(() =>
    ['chart-cost', 'chart-pergb'].map((id) => {
      const u = window.packetfsDashboard.charts[id];
      const axis = u.axes[1];
      const labels = axis.values(u, [0.0002, 0.0004, 0.0006], 1);
      const size = axis.size(u, labels, 1, 0);
      u.ctx.font = axis.font[0];
      const widest = Math.max(...labels.map((l) => u.ctx.measureText(l).width)) / devicePixelRatio;
      return { id, labels, room: size - axis.ticks.size - axis.gap, widest };
    }),
  );
  for (const a of costAxes) {
    assert.deepEqual(a.labels, ['$0.0002', '$0.0004', '$0.0006'], a.id);
    assert.ok(a.room >= a.widest, `${a.id}: ${a.room} px for labels ${a.widest} px wide`);
  }
  const localJobs = series.substrates.local.executions.reduce((a, b) => a + b, 0);
  assert.equal(localJobs, 43, 'the series holds every execution of the range');

  // The fan-out job in progress, as /metrics lists it.
  const fan = before.fanouts.find((f) => f.job_id === 'fan-1');
  assert.ok(fan, 'listed by /metrics');
  const fanRow = await page.$eval('#fanout-rows tr[data-job-id="fan-1"]', (tr) =>
    Object.fromEntries([...tr.cells].filter((c) => c.dataset.field).map((c) => [c.dataset.field, c.dataset.value])),
  );
  assert.equal(fanRow.windows, `${fan.windows_done}/${fan.windows}`);
  assert.equal(fanRow.bytes, `${fan.bytes_done}/${fan.bytes}`);
  assert.equal(fan.windows, 32);
  assert.equal(Number(fanRow.cost_usd), Number(fan.cost_usd));

  // The dead letter, as /dead-letters has it; requeued from the page.
  const letters = await json('/dead-letters');
  const letter = letters.dead_letters.find((l) => l.job_id === 'dead-1');
  const deadRow = await page.$eval(`#dead-rows tr[data-id="${letter.id}"]`, (tr) => ({
    job: tr.querySelector('[data-field="job_id"]').dataset.value,
    attempts: tr.querySelector('[data-field="attempts"]').dataset.value,
    errors: [...tr.querySelectorAll('li')].map((li) => li.textContent),
  }));
  assert.deepEqual(deadRow, { job: 'dead-1', attempts: '3', errors: letter.errors });
  await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });
  await page.click(`#dead-rows tr[data-id="${letter.id}"] button.requeue`);
  await page.waitForSelector(`#dead-rows tr[data-id="${letter.id}"]`, { state: 'detached', timeout: 10_000 });
  assert.ok(
    requests.some((u) => u.endsWith(`/dead-letters/${letter.id}/requeue`)),
    'requeued through the API',
  );
  const requeued = (await json('/dead-letters')).dead_letters.find((l) => l.id === letter.id);
  assert.equal(requeued, undefined, 'gone from the dead letters');

  // Another range: the page reads it at once.
  await page.click('button[data-range="1h"]');
  await page.waitForFunction(() => window.packetfsDashboard.charts['chart-jobs']?.data[0].length === 120, null, {
    timeout: 10_000,
  });

  assert.deepEqual(refused, [], 'no request left loopback');
  for (const u of requests) assert.equal(new URL(u).hostname, '127.0.0.1', u);
  assert.ok(
    requests.some((u) => u.endsWith('/dashboard/uplot.js')),
    'uPlot came from the dispatcher',
  );
  assert.deepEqual(errors, []);
  assert.equal(shown.substrates.local.jobs, before.substrates.local.jobs);
  await page.close();
});

test('with an API key the page asks for it, and shows nothing until it has it', async () => {
  const keyed = await startDispatcher({ PACKETFS_API_KEY: 'dash-key-123' });
  try {
    const { page, refused } = await watchedPage(browser.context);
    await page.goto(`${keyed.url}/dashboard`);
    await page.waitForSelector('#auth:not([hidden])', { timeout: 15_000 });
    assert.equal(await page.textContent('#error'), 'This dispatcher needs its API key.');
    assert.equal(await page.evaluate(() => window.packetfsDashboard.metrics), null);
    await page.fill('#key', 'dash-key-123');
    await page.click('#save');
    await page.waitForFunction(
      () => window.packetfsDashboard.metrics !== null && window.packetfsDashboard.mode === 'live',
      null,
      { timeout: 15_000 },
    );
    assert.ok(await page.isHidden('#auth'));
    assert.deepEqual(refused, []);
    await page.close();
  } finally {
    await keyed.stop();
  }
});

test('volunteers at the edge: each shard of the coordinator as /metrics counts it', async () => {
  const fabric = await startFabric('edge');
  const joined = [];
  try {
    // Two volunteers from addresses of shard 0, one of shard 5 (of the Worker's eight).
    const addresses = [];
    for (let i = 1; addresses.length < 3; i++) {
      const address = `198.51.100.${i}`;
      const shard = shardOf(address, 8);
      if (
        (shard === 0 && addresses.filter((a) => a.shard === 0).length < 2) ||
        (shard === 5 && !addresses.some((a) => a.shard === 5))
      )
        addresses.push({ address, shard });
    }
    for (const { address } of addresses) {
      const v = edgeVolunteer(fabric.edgeUrl, { address, concurrency: 2 });
      joined.push(v);
      await v.welcome;
    }
    const metrics = await until('the dispatcher to count three volunteers', async () => {
      const m = await (await fetch(`${fabric.url}/metrics`)).json();
      return m.volunteers?.volunteers === 3 ? m : null;
    });
    assert.equal(metrics.volunteers.coordinator, 'edge');
    const counts = metrics.volunteers.shards.map((s) => [s.shard, s.volunteers, s.slots]);
    assert.deepEqual(counts, [
      ['0', 2, 4],
      ['1', 0, 0],
      ['2', 0, 0],
      ['3', 0, 0],
      ['4', 0, 0],
      ['5', 1, 2],
      ['6', 0, 0],
      ['7', 0, 0],
    ]);
    const { page, refused, errors } = await watchedPage(browser.context);
    await page.goto(`${fabric.url}/dashboard`);
    await page.waitForFunction(() => document.querySelectorAll('#shard-rows tr').length === 8, null, {
      timeout: 30_000,
    });
    const rows = await until('the page to count three volunteers', async () => {
      const r = await shardRows(page);
      return r.reduce((n, s) => n + Number(s.volunteers), 0) === 3 ? r : null;
    });
    assert.deepEqual(
      rows.map((r) => [r.shard, Number(r.volunteers), Number(r.slots)]),
      counts,
    );
    assert.equal(await page.textContent('#volunteers-total'), '3');
    assert.match(await page.textContent('#volunteers-where'), /edge coordinator: 8 Durable Objects, 6 slots/);
    await page.screenshot({ path: `${ARTIFACTS}dashboard-volunteers.png`, fullPage: true });
    assert.deepEqual(refused, []);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    for (const v of joined) v.ws.close();
    await fabric.stop();
  }
});
