// The JavaScript kernel against the shared golden vectors, in Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execute, ProgramError } from '../packetfs-kernel.mjs';
import { vectors, objectBytes } from './vectors.mjs';

test('every golden case computes the expected result', () => {
  let checked = 0;
  for (const c of vectors.cases) {
    const result = c.object
      ? execute({ ...c.program, data_url: 'https://objects.example/vector' }, objectBytes(c.object))
      : execute(c.program);
    assert.deepEqual(result, c.expected, c.name);
    checked++;
  }
  assert.ok(checked > 3000, `only ${checked} cases`);
});

test('every invalid program is refused naming the field', () => {
  for (const c of vectors.errors) {
    assert.throws(
      () => execute(c.program, new Uint8Array(4)),
      (e) => e instanceof ProgramError && e.field === c.field && e.message.startsWith(`${c.field}: `),
      c.name,
    );
  }
});

test('the object may be any view into a larger buffer', () => {
  const backing = new Uint8Array(64).fill(7);
  backing.set(new TextEncoder().encode('123456789'), 13);
  const view = backing.subarray(13, 22);
  assert.deepEqual(execute({ op: 'crc32c', data_url: 'https://x.example/' }, view), {
    checksum: 3808858755,
    bytes_processed: 9,
  });
});

test('a data_url program without its bytes is a TypeError, not a wrong answer', () => {
  assert.throws(() => execute({ op: 'add', data_url: 'https://x.example/' }), TypeError);
});
