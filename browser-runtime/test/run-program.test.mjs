// The browser runtime's runProgram in plain Node (no Chromium, no dispatcher) against a loopback
// origin: windows read over Range and streamed through the kernel, an origin that ignores Range
// stopped at maxWindowBytes instead of read to its end, and programs that pin a version of an
// object that changes; then the Web Worker's answer and the coordinator's message it becomes.
//
// packetfs-execute.js imports './packetfs-kernel.mjs' and './range-window.mjs' because the
// dispatcher serves all three flat under /browser-runtime/. A resolve hook gives Node the same
// view of the folder, mapping those two URLs to the files the dispatcher packages; nothing is copied.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { execute } from '@packetfs/kernel';
import { pseudoRandomBytes as bytes, startOrigin } from '../../scripts/lib/loopback-origin.mjs';

const SERVED_FLAT = {
  [new URL('../packetfs-kernel.mjs', import.meta.url).href]: import.meta.resolve('@packetfs/kernel'),
  [new URL('../range-window.mjs', import.meta.url).href]: import.meta.resolve('@packetfs/worker-protocol'),
};
const HOOKS = `
let servedFlat;
export function initialize(data) { servedFlat = data; }
export async function resolve(specifier, context, next) {
  const url = context.parentURL && URL.canParse(specifier, context.parentURL) ? servedFlat[new URL(specifier, context.parentURL).href] : undefined;
  return url ? { url, shortCircuit: true } : next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: SERVED_FLAT });
const { runProgram } = await import('../packetfs-execute.js');
const { leaseAnswer } = await import('../packetfs-client.js');

const OPS = ['counteq', 'crc32c', 'fnv64', 'xor', 'add'];
const OBJECT = bytes(3, 3 << 20);
// Far larger than the socket buffers between the origin and the reader, which fill regardless.
const HUGE = new Uint8Array(64 << 20);
let origin;

before(async () => {
  origin = await startOrigin(
    new Map([
      ['object', OBJECT],
      ['huge', HUGE],
    ]),
  );
});

after(() => origin?.close());

describe('runProgram reads the window and streams it through the kernel', () => {
  for (const path of ['/ranged/object', '/whole/object']) {
    test(`every op over windows of ${path}`, async () => {
      for (const [offset, length] of [
        [0, null],
        [1, 1],
        [123_457, 1_000_000],
        [OBJECT.length - 10, 100],
        [OBJECT.length + 5, 10],
        [7, 0],
      ]) {
        for (const op of OPS) {
          const program = {
            op,
            imm: 0x5a,
            data_url: origin.url(path),
            offset,
            ...(length === null ? {} : { length }),
            ...(op === 'fnv64' ? { fnv_state: '0123456789abcdef' } : {}),
          };
          assert.deepEqual(
            await runProgram(program),
            execute(program, OBJECT),
            `${op} ${path} [${offset}, +${length})`,
          );
        }
      }
    });
  }
});

describe('redirects', () => {
  test('are not followed: the dispatcher checked only the host it leased', async () => {
    const before = origin.stats.requests;
    await assert.rejects(runProgram({ op: 'xor', data_url: origin.url('/redirect/1/ranged/object') }));
    assert.equal(origin.stats.requests, before + 1, 'the redirect target was never requested');
  });
});

describe('maxWindowBytes', () => {
  test('an origin ignoring Range is cut off at the cap, not read to its end', async () => {
    const program = { op: 'crc32c', data_url: origin.url('/paced/huge') };
    await assert.rejects(runProgram(program, { maxWindowBytes: 64 * 1024 }), (e) => {
      assert.equal(e.code, 'too_large');
      assert.match(e.message, /limit of 65536 bytes/);
      return true;
    });
    const answer = origin.stats.paced.at(-1);
    assert.equal(await answer.done, false, 'the origin sent the whole object');
    assert.ok(answer.sent < HUGE.length / 4, `${answer.sent} of ${HUGE.length} bytes sent past a 64 KiB cap`);
  });

  test('a window declared over the cap is refused before any fetch', async () => {
    const before = origin.stats.requests;
    const program = { op: 'add', data_url: origin.url('/ranged/object'), length: 64 * 1024 + 1 };
    await assert.rejects(runProgram(program, { maxWindowBytes: 64 * 1024 }), /exceeds this browser's limit of 65536/);
    assert.equal(origin.stats.requests, before);
  });
});

describe('versions', () => {
  const V1_DATE = 'Sun, 06 Dec 2026 00:00:01 GMT';
  const modes = [
    [
      'strong',
      { etag: '"object-v1"', size: OBJECT.length },
      /answered 412 Precondition Failed: the object is no longer ETag "object-v1", \d+ bytes$/,
    ],
    [
      'date',
      { last_modified: V1_DATE, size: OBJECT.length },
      /answered 412 Precondition Failed: the object is no longer Last-Modified/,
    ],
    [
      'weak',
      { etag: 'W/"object-v1"', size: OBJECT.length },
      /it answered ETag W\/"object-v2" where the program pins ETag W\/"object-v1"$/,
    ],
    [
      'ignoring',
      { etag: '"object-v1"', size: OBJECT.length },
      /it answered ETag "object-v2" where the program pins ETag "object-v1"$/,
    ],
  ];
  for (const [mode, version, how] of modes) {
    test(`${mode}: the pinned version is read; once the object changed, the window is refused with object_changed`, async () => {
      const program = {
        op: 'fnv64',
        data_url: origin.url(`/versioned/${mode}/1/object`),
        offset: 4096,
        length: 1_000_000,
        version,
      };
      assert.deepEqual(await runProgram(program), execute(program, OBJECT));
      await assert.rejects(runProgram(program), (e) => {
        assert.equal(e.code, 'object_changed', e.message);
        assert.match(e.message, how);
        return true;
      });
      assert.equal(origin.stats.versioned.get(`${mode}/1/object`).gets, 2);
    });
  }

  test('none: a size alone cannot tell two versions of one size apart', async () => {
    const program = {
      op: 'crc32c',
      data_url: origin.url('/versioned/none/0/object'),
      version: { size: OBJECT.length },
    };
    assert.deepEqual(
      await runProgram(program),
      execute(
        program,
        OBJECT.map((b) => b ^ 0xff),
      ),
    );
  });

  test('an answer without the pinned validator is origin_rejected', async () => {
    const program = {
      op: 'crc32c',
      data_url: origin.url('/versioned/date/5/object'),
      version: { etag: '"object-v1"' },
    };
    await assert.rejects(
      runProgram(program),
      (e) => e.code === 'origin_rejected' && /without the ETag the program pins/.test(e.message),
    );
  });
});

describe("a lease's answer", () => {
  // packetfs-worker.js is a Web Worker script: it answers through self.postMessage.
  const posted = [];
  let onmessage;
  before(async () => {
    globalThis.self = { postMessage: (message) => posted.push(message) };
    await import('../packetfs-worker.js');
    onmessage = globalThis.self.onmessage;
  });
  after(() => {
    delete globalThis.self;
  });

  async function answer(lease, program) {
    await onmessage({ data: { lease, program } });
    return posted.find((m) => m.lease === lease);
  }

  test('a window refused by the protocol carries its error code to the coordinator', async () => {
    const version = { etag: '"object-v1"', size: OBJECT.length };
    const changed = await answer('L1', { op: 'xor', data_url: origin.url('/versioned/strong/0/object'), version });
    assert.equal(changed.code, 'object_changed');
    assert.deepEqual(leaseAnswer(changed), {
      type: 'error',
      lease: 'L1',
      error: changed.error,
      error_code: 'object_changed',
    });
    assert.match(changed.error, /no longer ETag "object-v1"/);
  });

  test('an error without a code goes without error_code; a result as a result', async () => {
    const invalid = await answer('L2', { op: 'nope', data: '' });
    assert.equal(invalid.code, null);
    assert.deepEqual(leaseAnswer(invalid), { type: 'error', lease: 'L2', error: invalid.error });
    const redirected = await answer('L3', { op: 'xor', data_url: origin.url('/redirect/1/ranged/object') });
    assert.equal(redirected.code, null);
    const computed = await answer('L4', { op: 'crc32c', data: 'MTIzNDU2Nzg5' });
    assert.deepEqual(leaseAnswer(computed), {
      type: 'result',
      lease: 'L4',
      result: { checksum: 3808858755, bytes_processed: 9 },
    });
  });
});
