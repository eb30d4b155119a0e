// Jobs through volunteer pages: jobs/s and submit→result latency with 1 and 4 headless Chromium
// pages, and the shared kernel's speed inside a page. Bounded: a fixed number of jobs per run.
//
//   node bench/pages.mjs [--jobs N]     prints a table and, last, one line of JSON
import { execute } from '@packetfs/kernel';
import { launchChromium, startDispatcher, volunteer } from '../test/fabric.mjs';

const jobsArg = process.argv.indexOf('--jobs');
const JOBS = jobsArg > 0 ? Number(process.argv[jobsArg + 1]) : 2000;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function throughput(dispatcher, n) {
  const data = Buffer.alloc(4096, 7).toString('base64');
  const submitted = new Map();
  const ids = [];
  const start = Date.now();
  // Submitted from 16 concurrent HTTP clients, as fast as the dispatcher takes them.
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < n) {
        const i = next++;
        const t = Date.now();
        const id = await dispatcher.submit({ public: true, substrate: 'browser', program: { op: 'crc32c', data } });
        submitted.set(id, t);
        ids.push(id);
      }
    }),
  );
  // One poller in order: completion times come from the results, so polling speed is no part of them.
  const results = [];
  for (const id of ids) results.push(await dispatcher.awaitResult(id, 300_000));
  const expected = execute({ op: 'crc32c', data });
  const latencies = [];
  let last = 0;
  for (const r of results) {
    if (r.result?.checksum !== expected.checksum) throw new Error(`wrong result ${JSON.stringify(r)}`);
    const done = Date.parse(r.completed_at);
    last = Math.max(last, done);
    latencies.push(done - submitted.get(r.job_id));
  }
  latencies.sort((a, b) => a - b);
  return {
    jobs: n,
    jobs_per_s: Math.round((n / (last - start)) * 1000),
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
  };
}

async function kernelInPage(page) {
  return page.evaluate(async () => {
    const { executeWindow } = await import('/browser-runtime/packetfs-kernel.mjs');
    const window = new Uint8Array(1 << 20);
    crypto.getRandomValues(window.subarray(0, 65536));
    for (let i = 65536; i < window.length; i++) window[i] = window[i - 65536] ^ (i & 0xff);
    const out = {};
    for (const op of ['crc32c', 'fnv64', 'counteq', 'xor', 'add']) {
      const program = { op, imm: 7, data_url: 'https://objects.example/o' };
      for (let i = 0; i < 20; i++) executeWindow(program, window);
      let best = Infinity;
      for (let round = 0; round < 5; round++) {
        const t = performance.now();
        for (let i = 0; i < 10; i++) executeWindow(program, window);
        best = Math.min(best, (performance.now() - t) / 10);
      }
      out[op] = { ms_per_mib: +best.toFixed(3), gb_per_s: +((1 << 20) / (best * 1e6)).toFixed(3) };
    }
    return out;
  });
}

const rows = [];
let kernel;
for (const pages of [1, 4]) {
  const dispatcher = await startDispatcher();
  const chromium = await launchChromium();
  try {
    const open = [];
    for (let i = 0; i < pages; i++) open.push(await volunteer(chromium.context, `${dispatcher.url}/browser-runtime/`));
    await throughput(dispatcher, Math.min(200, JOBS)); // warm-up: JIT, and the pages earn trust
    const r = await throughput(dispatcher, JOBS);
    const m = await dispatcher.browserMetrics();
    rows.push({
      pages,
      slots: pages * (await open[0].evaluate(() => window.packetfs.concurrency)),
      ...r,
      leases_per_job: +(m.leases / m.jobs).toFixed(2),
    });
    if (pages === 1) kernel = await kernelInPage(open[0]);
  } finally {
    await chromium.close();
    await dispatcher.stop();
  }
}
console.error('pages  slots  jobs   jobs/s  p50 ms  p99 ms  leases/job');
for (const r of rows) {
  console.error(
    `${String(r.pages).padStart(5)}  ${String(r.slots).padStart(5)}  ${String(r.jobs).padStart(5)}  ${String(r.jobs_per_s).padStart(6)}  ${String(r.p50_ms).padStart(6)}  ${String(r.p99_ms).padStart(6)}  ${r.leases_per_job}`,
  );
}
console.error('kernel in a Chromium page, 1 MiB window:');
for (const [op, k] of Object.entries(kernel)) console.error(`  ${op.padEnd(8)} ${k.ms_per_mib} ms  ${k.gb_per_s} GB/s`);
console.log(JSON.stringify({ throughput: rows, kernel_in_page_1mib: kernel }));
