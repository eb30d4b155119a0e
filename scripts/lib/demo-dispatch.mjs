// Demo, part two: the dispatcher runs every op over the sample object cut into windows (each
// window one job, read by the local substrate with an HTTP Range request), and the windows'
// results are merged with the JavaScript kernel and checked against a single pass.
//
//   node demo-dispatch.mjs DISPATCHER_URL OBJECT_URL OBJECT_PATH WINDOWS
import { readFileSync } from 'node:fs';
import { execute, merge } from '../../kernel/js/packetfs-kernel.mjs';

const [dispatcher, objectUrl, objectPath, windowsArg] = process.argv.slice(2);
const windows = Number(windowsArg);
const object = new Uint8Array(readFileSync(objectPath));
const size = object.length;
const step = Math.ceil(size / windows);
const OPS = [
  ['counteq', 0],
  ['crc32c', 0],
  ['xor', 90],
  ['add', 90],
];

async function post(jobs) {
  const r = await fetch(`${dispatcher}/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(jobs),
  });
  if (r.status !== 202) throw new Error(`POST /jobs: ${r.status} ${await r.text()}`);
  return r.json();
}

async function result(id) {
  for (let pause = 5; ; pause = Math.min(200, pause * 2)) {
    const r = await fetch(`${dispatcher}/results/${id}`);
    if (r.status === 200) return r.json();
    if (r.status !== 202) throw new Error(`GET /results/${id}: ${r.status} ${await r.text()}`);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

const run = Date.now().toString(36);
const started = Date.now();
let jobCount = 0;
let failures = 0;
console.log(`op       ${windows} windows through the dispatcher, merged            single pass (JS kernel)`);

// Independent ops: every window of every op at once, in one batch.
const batch = [];
for (const [op, imm] of OPS) {
  for (let k = 0; k < windows; k++) {
    batch.push({
      job_id: `demo-${run}-${op}-${k}`,
      program: { op, imm, data_url: objectUrl, offset: k * step, length: step },
    });
  }
}
await post(batch);
jobCount += batch.length;
for (const [op, imm] of OPS) {
  let merged = null;
  for (let k = 0; k < windows; k++) {
    const r = await result(`demo-${run}-${op}-${k}`);
    if (r.status !== 'succeeded') throw new Error(`${op} window ${k}: ${r.error}`);
    merged = merged ? merge(op, merged, r.result) : r.result;
  }
  report(op, merged, execute({ op, imm, data_url: objectUrl }, object));
}

// fnv64 chains: each window continues from the hash of the windows before it.
let chained = null;
for (let k = 0; k < windows; k++) {
  const program = { op: 'fnv64', data_url: objectUrl, offset: k * step, length: step };
  if (chained) program.fnv_state = chained.hash;
  const [{ job_id: id }] = await post([{ job_id: `demo-${run}-fnv64-${k}`, program }]);
  jobCount++;
  const r = await result(id);
  if (r.status !== 'succeeded') throw new Error(`fnv64 window ${k}: ${r.error}`);
  chained = chained ? merge('fnv64', chained, r.result) : r.result;
}
report('fnv64', chained, execute({ op: 'fnv64', data_url: objectUrl }, object));

function report(op, fromFabric, single) {
  const same = JSON.stringify(fromFabric) === JSON.stringify(single);
  if (!same) failures++;
  console.log(
    `${op.padEnd(8)} ${JSON.stringify(fromFabric).padEnd(56)} ${same ? 'same' : `DIFFERENT: ${JSON.stringify(single)}`}`,
  );
}

const metrics = await (await fetch(`${dispatcher}/metrics`)).json();
console.log(`\n${jobCount} jobs in ${((Date.now() - started) / 1000).toFixed(2)} s. Cost per provider (GET /metrics):`);
for (const [name, s] of Object.entries(metrics.substrates)) {
  console.log(
    `  ${name.padEnd(10)} ${String(s.jobs).padStart(5)} jobs  p50 ${s.p50_ms} ms  p99 ${s.p99_ms} ms  ` +
      `${(s.bytes_processed / 1e6).toFixed(1)} MB  cost $${s.total_cost_usd}`,
  );
}
process.exitCode = failures === 0 ? 0 : 1;
