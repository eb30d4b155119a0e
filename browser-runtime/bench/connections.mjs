// The coordinator holding many volunteer connections: N WebSocket clients from one bounded
// loopback load process (the `ws` package; they speak the runtime's protocol and compute leases
// with the shared kernel), then a fixed number of jobs leased across them.
//
//   node bench/connections.mjs [--nodes N] [--jobs J]   prints a table and, last, one line of JSON
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { execute } from '@packetfs/kernel';
import { startDispatcher } from '../test/fabric.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const NODES = arg('--nodes', 10_000);
const JOBS = arg('--jobs', 20_000);

const rssBytes = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Java heap in use after a full collection, in bytes (jcmd, from the JDK running the dispatcher). */
function heapAfterGc(pid) {
  execFileSync('jcmd', [String(pid), 'GC.run']);
  const info = execFileSync('jcmd', [String(pid), 'GC.heap_info'], { encoding: 'utf8' });
  return [...info.matchAll(/used (\d+)K/g)].slice(0, 1).reduce((sum, m) => sum + Number(m[1]) * 1024, 0);
}

const dispatcher = await startDispatcher({ JAVA_TOOL_OPTIONS: '-Xmx1g' });
const sockets = [];
let answered = 0;
try {
  await sleep(3000);
  const heapBefore = heapAfterGc(dispatcher.pid);
  const rssBefore = rssBytes(dispatcher.pid);
  const wsUrl = dispatcher.url.replace('http', 'ws') + '/browser';
  const connectStart = Date.now();
  // Opened 250 at a time: a bounded ramp, not a SYN flood.
  for (let i = 0; i < NODES; i += 250) {
    await Promise.all(
      Array.from(
        { length: Math.min(250, NODES - i) },
        () =>
          new Promise((resolve, reject) => {
            const socket = new WebSocket(wsUrl);
            socket.on('open', () =>
              socket.send(JSON.stringify({ type: 'hello', capabilities: { concurrency: 1, ua_class: 'loadgen' } })),
            );
            socket.on('message', (data) => {
              const m = JSON.parse(data);
              if (m.type === 'welcome') resolve();
              else if (m.type === 'lease') {
                answered++;
                socket.send(JSON.stringify({ type: 'result', lease: m.lease, result: execute(m.program) }));
              }
            });
            socket.on('error', reject);
            sockets.push(socket);
          }),
      ),
    );
  }
  const connectSeconds = (Date.now() - connectStart) / 1000;
  await sleep(3000);
  const metrics = await dispatcher.browserMetrics();
  const heapConnected = heapAfterGc(dispatcher.pid);
  const rssConnected = rssBytes(dispatcher.pid);

  const data = Buffer.alloc(64, 9).toString('base64');
  const ids = [];
  const start = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < JOBS) {
        next++;
        ids.push(
          await dispatcher.submit({
            public: true,
            substrate: 'browser',
            program: { op: 'add', imm: next % 256, data },
          }),
        );
      }
    }),
  );
  let last = start;
  for (const id of ids) last = Math.max(last, Date.parse((await dispatcher.awaitResult(id, 300_000)).completed_at));
  const after = await dispatcher.browserMetrics();
  const seconds = (last - start) / 1000;
  const row = {
    nodes: metrics.nodes,
    connect_seconds: connectSeconds,
    rss_before_mb: +(rssBefore / 2 ** 20).toFixed(1),
    rss_connected_mb: +(rssConnected / 2 ** 20).toFixed(1),
    rss_kib_per_connection: +((rssConnected - rssBefore) / NODES / 1024).toFixed(1),
    heap_before_mb: +(heapBefore / 2 ** 20).toFixed(1),
    heap_connected_mb: +(heapConnected / 2 ** 20).toFixed(1),
    heap_kib_per_connection: +((heapConnected - heapBefore) / NODES / 1024).toFixed(1),
    jobs: JOBS,
    jobs_per_s: Math.round(JOBS / seconds),
    leases_per_s: Math.round((after.leases - metrics.leases) / seconds),
    rss_after_jobs_mb: +(rssBytes(dispatcher.pid) / 2 ** 20).toFixed(1),
  };
  console.error(
    Object.entries(row)
      .map(([k, v]) => `${k.padEnd(20)} ${v}`)
      .join('\n'),
  );
  console.log(JSON.stringify(row));
} finally {
  for (const s of sockets) s.terminate();
  await dispatcher.stop();
}
