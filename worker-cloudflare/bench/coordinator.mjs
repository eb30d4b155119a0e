// The edge coordinator (src/coordinator.mjs) in workerd: what a lease costs through a Durable
// Object, and what holding volunteers costs one object. Volunteers are Node WebSocket clients that
// answer at once, each from an address of its own (CF-Connecting-IP), so the figures are the
// coordinator's, not a browser's.
//
//   node bench/coordinator.mjs [--leases N] [--volunteers N]   a table, then one line of JSON
import { readFileSync, readdirSync } from 'node:fs';
import { volunteer } from '../test/volunteer.mjs';
import { startWorker } from '../test/workerd.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const LEASES = arg('--leases', 2000);
const VOLUNTEERS = arg('--volunteers', 5000);
const TOKEN = 'bench-token-0123456789abcdef';
const RESULT = { checksum: 3808858755, bytes_processed: 9 };
const PROGRAM = { op: 'crc32c', imm: 0, data: 'MTIzNDU2Nzg5', offset: 0 };

const worker = await startWorker({
  PACKETFS_WORKER_TOKEN: TOKEN,
  PACKETFS_BROWSER_SHARDS: 1,
  PACKETFS_BROWSER_MAX_CONNECTIONS_PER_SHARD: 1_000_000,
});
const sockets = [];
try {
  let address = 0;
  const join = async () => {
    const n = ++address;
    const v = volunteer(worker.url, {
      address: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
      answer: (lease) => ({ type: 'result', lease: lease.lease, result: RESULT }),
    });
    sockets.push(v.ws);
    await v.opened;
    await v.welcome;
  };
  const call = async (path, body) => {
    const r = await fetch(`${worker.url}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: body && JSON.stringify(body),
    });
    return { status: r.status, body: await r.json() };
  };
  const leaseOnce = async () => {
    const t = process.hrtime.bigint();
    const r = await call('/browser/lease', { program: PROGRAM, deadline_ms: 10_000 });
    if (r.status !== 200) throw new Error(`lease: ${r.status} ${JSON.stringify(r.body)}`);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const pct = (xs, p) => xs.toSorted((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

  await Promise.all(Array.from({ length: 4 }, join));
  for (let i = 0; i < 200; i++) await leaseOnce(); // warm-up
  const serial = [];
  for (let i = 0; i < LEASES; i++) serial.push(await leaseOnce());
  const parallel = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = 0; i < LEASES / 4; i++) parallel.push(await leaseOnce());
    }),
  );
  const perSecond = (parallel.length / (performance.now() - t0)) * 1000;

  const before = rss(worker.pid);
  for (let i = 0; i < VOLUNTEERS; i += 200)
    await Promise.all(Array.from({ length: Math.min(200, VOLUNTEERS - i) }, join));
  const held = (await call('/browser/stats')).body;
  const awake = rss(worker.pid);
  const incarnation = held.shards[0].incarnation;
  await new Promise((resolve) => setTimeout(resolve, 20_000)); // idle: workerd evicts the object after 10 s
  const asleep = rss(worker.pid);
  const woke = (await call('/browser/stats')).body;
  const afterWake = await leaseOnce();

  const result = {
    lease_ms: {
      serial: { p50: pct(serial, 50), p99: pct(serial, 99) },
      four_at_once: { p50: pct(parallel, 50), p99: pct(parallel, 99) },
    },
    leases_per_s_four_at_once: Math.round(perSecond),
    volunteers_held: held.volunteers,
    workerd_rss_mib: { four: mib(before), held_awake: mib(awake), held_hibernated: mib(asleep) },
    kib_per_volunteer_awake: Math.round(((awake - before) / 1024 / VOLUNTEERS) * 10) / 10,
    kib_per_volunteer_hibernated: Math.round(((asleep - before) / 1024 / VOLUNTEERS) * 10) / 10,
    hibernated: woke.shards[0].incarnation !== incarnation && woke.volunteers === held.volunteers,
    lease_after_wake_ms: afterWake,
  };
  const round = (x) => Math.round(x * 100) / 100;
  console.error(
    `lease through the object, 4 volunteers: serial p50 ${round(result.lease_ms.serial.p50)} ms, p99 ${round(result.lease_ms.serial.p99)} ms;` +
      ` four at once p50 ${round(result.lease_ms.four_at_once.p50)} ms, p99 ${round(result.lease_ms.four_at_once.p99)} ms, ${result.leases_per_s_four_at_once} leases/s`,
  );
  console.error(
    `${result.volunteers_held} volunteers in one object: workerd RSS ${result.workerd_rss_mib.four} → ${result.workerd_rss_mib.held_awake} MiB awake` +
      ` (${result.kib_per_volunteer_awake} KiB each), ${result.workerd_rss_mib.held_hibernated} MiB hibernated (${result.kib_per_volunteer_hibernated} KiB each);` +
      ` woke with every volunteer: ${result.hibernated}, first lease after ${round(afterWake)} ms`,
  );
  console.log(JSON.stringify(result));
} finally {
  for (const ws of sockets) ws.terminate();
  await worker.stop();
}

/** Resident memory of the workerd processes under `pid`, in bytes. */
function rss(pid) {
  let total = 0;
  for (const p of descendants(pid)) {
    const status = readFileSync(`/proc/${p}/status`, 'utf8');
    if (/^Name:\s*workerd/m.test(status)) total += Number(/^VmRSS:\s*(\d+)/m.exec(status)[1]) * 1024;
  }
  return total;
}

function descendants(pid) {
  const children = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry), ...descendants(Number(entry)));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

function mib(bytes) {
  return Math.round((bytes / 1048576) * 10) / 10;
}
