// Property: a random object cut into random adjacent windows, each run alone and merged left to
// right, gives exactly the single-pass result, for every op. fast-check shrinks any failure to
// a minimal object and cut list and prints the seed to replay it.
import { test } from 'node:test';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { execute, merge, OPS } from '../packetfs-kernel.mjs';

const URL_ = 'https://objects.example/o';

function mergedOverCuts(op, imm, object, cuts) {
  let merged = null;
  for (let k = 0; k + 1 < cuts.length; k++) {
    const program = { op, imm, data_url: URL_, offset: cuts[k], length: cuts[k + 1] - cuts[k] };
    if (op === 'fnv64') {
      delete program.imm;
      if (merged) program.fnv_state = merged.hash;
    }
    const part = execute(program, object);
    merged = merged ? merge(op, merged, part) : part;
  }
  return merged;
}

const objectAndCuts = fc
  .oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 300, maxLength: 70_000 }))
  .chain((object) =>
    fc.tuple(fc.constant(object), fc.array(fc.integer({ min: 0, max: object.length }), { maxLength: 8 })),
  )
  .map(([object, inner]) => [object, [0, ...inner.sort((a, b) => a - b), object.length]]);

for (const op of OPS) {
  test(`${op}: windows merge to the single-pass result`, () => {
    fc.assert(
      fc.property(objectAndCuts, fc.integer({ min: 0, max: 255 }), ([object, cuts], imm) => {
        const whole = execute(op === 'fnv64' ? { op, data_url: URL_ } : { op, imm, data_url: URL_ }, object);
        assert.deepEqual(mergedOverCuts(op, imm, object, cuts), whole);
      }),
      { numRuns: 300 },
    );
  });
}

test('crc32c combine over very long right-hand runs stays exact', () => {
  // crc(A || zeros(n)) is combine(crc(A), crc(zeros(n)), n): check a length beyond 2^32.
  const zeros = new Uint8Array(1 << 20);
  const a = execute({ op: 'crc32c', data: 'MTIzNDU2Nzg5' });
  const z = execute({ op: 'crc32c', data_url: URL_ }, zeros);
  const direct = execute(
    { op: 'crc32c', data_url: URL_ },
    new Uint8Array([...new TextEncoder().encode('123456789'), ...zeros]),
  );
  assert.deepEqual(merge('crc32c', a, z), direct);
  // 5 GiB of zeros as 5120 merged MiB windows equals combining once with the whole length.
  let run = z;
  for (let k = 1; k < 5120; k++) run = merge('crc32c', run, z);
  const once = merge('crc32c', a, run);
  let stepwise = a;
  for (let k = 0; k < 5120; k++) stepwise = merge('crc32c', stepwise, z);
  assert.deepEqual(once, stepwise);
  assert.equal(once.bytes_processed, 9 + 5120 * (1 << 20));
});
