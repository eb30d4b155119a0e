// Demo helper: runs the JavaScript kernel over the same object the Java kernel just ran, whole
// and cut into windows that are merged back, and prints whether all three answers agree.
//
//   node demo-kernels.mjs OBJECT_PATH < java-results (lines "op imm {json}")
import { readFileSync } from 'node:fs';
import { execute, merge } from '../../kernel/js/packetfs-kernel.mjs';

const object = new Uint8Array(readFileSync(process.argv[2]));
const WINDOWS = 4;
let disagreements = 0;

for (const line of readFileSync(0, 'utf8').trim().split('\n')) {
  const [op, imm, javaJson] = line.split(' ');
  const java = JSON.parse(javaJson);
  const base = op === 'crc32c' || op === 'fnv64' ? { op } : { op, imm: Number(imm) };
  const program = { ...base, data_url: 'https://demo.invalid/sample' };
  const whole = execute(program, object);
  let merged = null;
  const step = Math.ceil(object.length / WINDOWS);
  for (let offset = 0; offset < object.length; offset += step) {
    const window = { ...program, offset, length: step };
    if (op === 'fnv64' && merged) window.fnv_state = merged.hash;
    const part = execute(window, object);
    merged = merged ? merge(op, merged, part) : part;
  }
  const same = (a) => JSON.stringify(a) === JSON.stringify(java);
  const agree = same(whole) && same(merged);
  if (!agree) disagreements++;
  const verdict = (a) => (same(a) ? 'same' : `DIFFERENT: ${JSON.stringify(a)}`);
  console.log(`${op.padEnd(8)} ${JSON.stringify(java).padEnd(54)} ${verdict(whole).padEnd(10)} ${verdict(merged)}`);
}
process.exitCode = disagreements === 0 ? 0 : 1;
