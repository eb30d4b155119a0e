// Throughput of the JavaScript kernel in this runtime, per op and window size.
//
//   node kernel/js/bench.mjs [--seconds S]
//
// Prints a table, then one line of JSON {"runtime", "results": [{op, bytes, gb_per_s}]} last.
// The baselines show what the table-driven CRC and the BigInt-free FNV buy over the obvious code.
import { executeWindow } from './packetfs-kernel.mjs';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1] || 1);
const SIZES = [4096, 1 << 20, 64 << 20];
const OPS = ['counteq', 'crc32c', 'fnv64', 'xor', 'add'];

function randomBytes(n) {
  const bytes = new Uint8Array(n);
  let x = 42;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x;
  }
  return bytes;
}

/** GB/s of fn over bytes: warm up, then repeat for `seconds` and take the best of 3 rounds. */
function measure(fn, bytes) {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) fn(bytes);
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let runs = 0;
    const start = performance.now();
    const stop = start + (seconds * 1000) / 3;
    let now = start;
    do {
      fn(bytes);
      runs++;
      now = performance.now();
    } while (now < stop);
    best = Math.max(best, (runs * bytes.length) / ((now - start) / 1000) / 1e9);
  }
  return best;
}

function crc32cBitwise(bytes) {
  let crc = -1;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i];
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ -1) >>> 0;
}

// Two BigInt versions: V8 lowers BigInt.asUintN(64, ...) to native 64-bit arithmetic, masking
// with & (2^64 - 1) it does not; other engines (SpiderMonkey, JavaScriptCore) may do neither.
function fnvBigIntAsUintN(bytes) {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < bytes.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(bytes[i])) * 0x100000001b3n);
  return h;
}

const MASK64 = (1n << 64n) - 1n;
function fnvBigIntMasked(bytes) {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < bytes.length; i++) h = ((h ^ BigInt(bytes[i])) * 0x100000001b3n) & MASK64;
  return h;
}

const runtime = typeof process !== 'undefined' ? `node ${process.version}` : 'unknown';
const results = [];
console.log(`PacketFS JS kernel, ${runtime}, ${seconds}s per case`);
console.log('op        window      GB/s');
for (const op of OPS) {
  const program = { op, imm: op === 'crc32c' || op === 'fnv64' ? 0 : 0x5a, data_url: 'https://bench.example/' };
  for (const size of SIZES) {
    const bytes = randomBytes(size);
    const gbPerS = measure((b) => executeWindow(program, b), bytes);
    results.push({ op, bytes: size, gb_per_s: Number(gbPerS.toFixed(3)) });
    console.log(`${op.padEnd(9)} ${String(size).padStart(9)}  ${gbPerS.toFixed(3).padStart(8)}`);
  }
}
const sample = randomBytes(1 << 20);
const baselines = {
  crc32c_bitwise_gb_per_s: Number(measure(crc32cBitwise, sample).toFixed(3)),
  fnv64_bigint_asuintn_gb_per_s: Number(measure(fnvBigIntAsUintN, sample.subarray(0, 1 << 18)).toFixed(4)),
  fnv64_bigint_masked_gb_per_s: Number(measure(fnvBigIntMasked, sample.subarray(0, 1 << 16)).toFixed(4)),
};
console.log(
  `baselines: bit-by-bit crc32c ${baselines.crc32c_bitwise_gb_per_s} GB/s; BigInt fnv64 ` +
    `${baselines.fnv64_bigint_asuintn_gb_per_s} GB/s with asUintN, ${baselines.fnv64_bigint_masked_gb_per_s} GB/s masked`,
);
console.log(JSON.stringify({ runtime, results, baselines }));
