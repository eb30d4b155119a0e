// Turns a JMH JSON result of KernelBenchmark (operations/s per op and window size) into GB/s.
//   node jmh-gbps.mjs result.json
import { readFileSync } from 'node:fs';

const runs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const rows = runs.map((r) => {
  const bytes = Number(r.params.size);
  const gb = (v) => (v * bytes) / 1e9;
  return {
    op: r.params.op,
    bytes,
    gb_per_s: Number(gb(r.primaryMetric.score).toFixed(2)),
    error_gb_per_s: Number(gb(r.primaryMetric.scoreError).toFixed(2)),
  };
});
console.log('op        window       GB/s   (99.9% error)');
for (const r of rows) {
  console.log(
    `${r.op.padEnd(9)} ${String(r.bytes).padStart(9)} ${r.gb_per_s.toFixed(2).padStart(8)}   ± ${r.error_gb_per_s}`,
  );
}
console.log(JSON.stringify({ runtime: `java ${runs[0].jdkVersion} ${runs[0].vmName}`, results: rows }));
