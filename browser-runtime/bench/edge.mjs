// The two coordinators side by side, in one run: four headless Chromium pages join the
// dispatcher's own /browser, then the edge coordinator (the Worker's Durable Objects in workerd,
// the pages served as the CDN serves them, the dispatcher leasing over HTTP). For each:
//   - the lease round trip as the dispatcher measures it (packetfs_browser_lease_seconds: a job's
//     first lease, from asking the coordinator to its answer), jobs one at a time;
//   - windows per second of one fan-out job over an object on loopback, pinned to `browser`.
// Bounded: a fixed number of jobs and one job of fixed size per coordinator.
//
//   node bench/edge.mjs [--jobs N] [--mib N] [--window-kib N]    prints a table, then one line of JSON
import { execute } from '@packetfs/kernel';
import { launchChromium, startFabric, startOrigin, volunteer } from '../test/fabric.mjs';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const JOBS = arg('--jobs', 500);
const MIB = arg('--mib', 64);
const WINDOW = arg('--window-kib', 256) * 1024;
const PAGES = 4;

const object = new Uint8Array(MIB << 20).map((_, i) => (i * 2654435761) >>> 24);

/** The lease timer's quantiles from /q/metrics, in ms. */
async function leaseQuantiles(fabric) {
  const text = await (await fetch(`${fabric.url}/q/metrics`)).text();
  const q = {};
  for (const m of text.matchAll(/^packetfs_browser_lease_seconds\{[^}]*quantile="([0-9.]+)"[^}]*\} ([0-9.eE+-]+)$/gm))
    q[m[1]] = +(Number(m[2]) * 1000).toFixed(2);
  const count = /^packetfs_browser_lease_seconds_count(?:\{[^}]*\})? ([0-9.]+)$/m.exec(text);
  return { p50_ms: q['0.5'], p99_ms: q['0.99'], leases_timed: count ? Number(count[1]) : 0 };
}

async function oneAtATime(fabric, n) {
  const data = Buffer.alloc(4096, 7).toString('base64');
  const expected = execute({ op: 'crc32c', data });
  for (let i = 0; i < n; i++) {
    const id = await fabric.submit({ public: true, substrate: 'browser', program: { op: 'crc32c', data } });
    const r = await fabric.awaitResult(id, 60_000);
    if (r.result?.checksum !== expected.checksum) throw new Error(`wrong result ${JSON.stringify(r)}`);
  }
}

async function windowsPerSecond(fabric, origin) {
  const program = { op: 'fnv64', data_url: origin.url('/ranged/obj') };
  const started = Date.now();
  const id = await fabric.submit({ public: true, substrates: ['browser'], window_bytes: WINDOW, program });
  const r = await fabric.awaitResult(id, 600_000);
  if (r.status !== 'succeeded') throw new Error(`the fan-out job failed: ${JSON.stringify(r)}`);
  if (JSON.stringify(r.result) !== JSON.stringify(execute(program, object))) throw new Error('wrong merged result');
  const seconds = (Date.parse(r.completed_at) - started) / 1000;
  return {
    windows: r.summary.windows,
    seconds: +seconds.toFixed(2),
    windows_per_s: +(r.summary.windows / seconds).toFixed(1),
  };
}

const rows = [];
const origin = await startOrigin(new Map([['obj', object]]));
try {
  for (const coordinator of ['dispatcher', 'edge']) {
    const fabric = await startFabric(coordinator);
    const chromium = await launchChromium();
    try {
      const pages = [];
      for (let i = 0; i < PAGES; i++) pages.push(await volunteer(chromium.context, fabric.pages));
      await oneAtATime(fabric, 50); // warm-up: JIT on every side
      await oneAtATime(fabric, JOBS);
      const lease = await leaseQuantiles(fabric);
      const fan = await windowsPerSecond(fabric, origin);
      const m = await fabric.browserMetrics();
      rows.push({
        coordinator,
        pages: PAGES,
        slots: PAGES * (await pages[0].evaluate(() => window.packetfs.concurrency)),
        jobs: JOBS,
        ...lease,
        ...fan,
        leases: m.leases,
      });
    } finally {
      await chromium.close();
      await fabric.stop();
    }
  }
} finally {
  await origin.close();
}
console.error(`${JOBS} jobs one at a time, then one fan-out job over ${MIB} MiB in ${WINDOW / 1024} KiB windows`);
console.error('coordinator  pages  slots  lease p50 ms  lease p99 ms  windows  seconds  windows/s');
for (const r of rows)
  console.error(
    `${r.coordinator.padEnd(11)}  ${String(r.pages).padStart(5)}  ${String(r.slots).padStart(5)}  ${String(r.p50_ms).padStart(12)}  ${String(r.p99_ms).padStart(12)}  ${String(r.windows).padStart(7)}  ${String(r.seconds).padStart(7)}  ${String(r.windows_per_s).padStart(9)}`,
  );
console.log(JSON.stringify({ jobs: JOBS, mib: MIB, window_bytes: WINDOW, rows }));
