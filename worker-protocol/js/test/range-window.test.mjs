// The shared window reader against a real loopback origin (scripts/lib/loopback-origin.mjs):
// every way an origin answers a range request, and that an origin ignoring Range is stopped as
// soon as the window is complete or over the cap instead of being read to its end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { pseudoRandomBytes as bytes, startOrigin } from '../../../scripts/lib/loopback-origin.mjs';
import { WindowError, originFailure, rangeHeader, readWindow } from '../range-window.mjs';

const SMALL = bytes(7, 1 << 20);
const BIG = repeated(SMALL, 64);
let origin;

function repeated(block, times) {
  const b = new Uint8Array(block.length * times);
  for (let i = 0; i < times; i++) b.set(block, i * block.length);
  return b;
}

/**
 * GETs `path` with the window's Range and reads the window; the pieces are copied as they come.
 * A `signal` goes to the reader only, not to fetch(), so the reader itself must stop on it.
 */
async function read(path, window, { maxBytes = 1 << 30, deadline, signal } = {}) {
  const response = await fetch(origin.url(path), { headers: { range: rangeHeader(window) } });
  const pieces = [];
  const count = await readWindow(response, window, {
    maxBytes,
    deadline,
    signal,
    onBytes: (piece) => pieces.push(piece.slice()),
  });
  const joined = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  pieces.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
  assert.equal(joined.length, count);
  return { count, bytes: joined, pieces: pieces.length };
}

function windowOf(object, { offset, length }) {
  const start = Math.min(offset, object.length);
  return object.subarray(start, length === null ? object.length : Math.min(object.length, start + length));
}

async function rejectsWith(promise, code, pattern) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof WindowError, `${e}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

/** The origin's last paced answer, once its connection has ended: {sent, complete}. */
async function lastPaced() {
  const answer = origin.stats.paced.at(-1);
  return { complete: await answer.done, sent: answer.sent };
}

before(async () => {
  origin = await startOrigin(
    new Map([
      ['small', SMALL],
      ['big', BIG],
    ]),
  );
});

after(() => origin?.close());

test('the Range header asks for the window, or to the end', () => {
  assert.equal(rangeHeader({ offset: 5, length: 10 }), 'bytes=5-14');
  assert.equal(rangeHeader({ offset: 0, length: 1 }), 'bytes=0-0');
  assert.equal(rangeHeader({ offset: 77, length: null }), 'bytes=77-');
});

const WINDOWS = [
  { offset: 0, length: 1 },
  { offset: 0, length: null },
  { offset: 123_457, length: 70_000 },
  { offset: 1000, length: 300_000 },
  { offset: SMALL.length - 10, length: 100 },
  { offset: SMALL.length - 1, length: null },
];

describe('206: the range as asked', () => {
  test('every window, streamed in pieces', async () => {
    for (const window of WINDOWS) {
      const { bytes: got } = await read('/ranged/small', window);
      assert.deepEqual(got, windowOf(SMALL, window), JSON.stringify(window));
    }
    assert.ok(
      (await read('/ranged/small', { offset: 0, length: null })).pieces > 1,
      'a 1 MiB window came as one piece',
    );
  });

  test('a range that starts before the window is skipped to it', async () => {
    const range = encodeURIComponent(`bytes 0-19/${SMALL.length}`);
    const { bytes: got } = await read(`/content-range/${range}/small`, { offset: 10, length: 10 });
    assert.deepEqual(got, SMALL.subarray(10, 20));
  });

  test('a range of unknown total that ends early is the end of the object', async () => {
    const { bytes: got } = await read(`/content-range/${encodeURIComponent('bytes 10-19/*')}/small`, {
      offset: 10,
      length: 50,
    });
    assert.deepEqual(got, SMALL.subarray(10, 20));
  });

  test('a window over the cap is refused once the cap is passed', async () => {
    await rejectsWith(
      read('/ranged/small', { offset: 0, length: null }, { maxBytes: 1000 }),
      'too_large',
      /limit of 1000 bytes/,
    );
    const { count } = await read('/ranged/small', { offset: 0, length: 1000 }, { maxBytes: 1000 });
    assert.equal(count, 1000);
  });
});

describe('200: an origin that ignores Range', () => {
  test('every window, skipped to and cut', async () => {
    for (const window of WINDOWS) {
      const { bytes: got } = await read('/whole/small', window);
      assert.deepEqual(got, windowOf(SMALL, window), JSON.stringify(window));
    }
  });

  test('reading stops at the end of the window: the origin is cut off, not drained', async () => {
    const window = { offset: 1000, length: 256 * 1024 };
    const { bytes: got } = await read('/paced/big', window);
    assert.deepEqual(got, windowOf(BIG, window));
    const { complete, sent } = await lastPaced();
    assert.equal(complete, false, 'the whole object was sent');
    assert.ok(sent < BIG.length / 4, `${sent} of ${BIG.length} bytes sent for a 256 KiB window`);
  });

  test('reading stops at the cap: a window to the end of a large object is refused, not read', async () => {
    await rejectsWith(read('/paced/big', { offset: 0, length: null }, { maxBytes: 256 * 1024 }), 'too_large');
    const { complete, sent } = await lastPaced();
    assert.equal(complete, false, 'the whole object was sent');
    assert.ok(sent < BIG.length / 4, `${sent} of ${BIG.length} bytes sent past a 256 KiB cap`);
  });
});

describe('416 and refusals', () => {
  test('416: the window starts past the end, an empty window', async () => {
    const { count, pieces } = await read('/ranged/small', { offset: SMALL.length + 5, length: 10 });
    assert.equal(count, 0);
    assert.equal(pieces, 0);
  });

  test('a 206 without a usable Content-Range is refused', async () => {
    for (const range of [
      '',
      'nonsense',
      `bytes 0-9`,
      'bytes 9-3/100',
      'bytes 0-200/100',
      'bytes */100',
      'items 0-9/100',
    ]) {
      await rejectsWith(
        read(`/content-range/${encodeURIComponent(range)}/small`, { offset: 0, length: 10 }),
        'origin_rejected',
        /Content-Range/,
      );
    }
  });

  test('a Content-Range starting after the asked offset is refused', async () => {
    const range = encodeURIComponent(`bytes 12-19/${SMALL.length}`);
    await rejectsWith(
      read(`/content-range/${range}/small`, { offset: 10, length: 10 }),
      'origin_rejected',
      /starting at 12, after the requested 10/,
    );
  });

  test('a Content-Range with a number past 2^53 - 1 is refused, not misread', async () => {
    for (const range of [
      'bytes 0-9/9007199254740993',
      'bytes 0-9007199254740992/*',
      'bytes 0-99999999999999999999/100000000000000000000',
      'bytes 9007199254740993-9007199254740999/9007199254741000',
    ]) {
      await rejectsWith(
        read(`/content-range/${encodeURIComponent(range)}/small`, { offset: 0, length: 10 }),
        'origin_rejected',
        /past 2\^53/,
      );
    }
    const { count } = await read(`/content-range/${encodeURIComponent('bytes 0-9/9007199254740991')}/small`, {
      offset: 0,
      length: 10,
    });
    assert.equal(count, 10);
  });

  test('a range short of both the window and the object is refused', async () => {
    for (const range of [`bytes 10-19/${SMALL.length}`, `bytes 0-5/${SMALL.length}`, 'bytes 0-5/*']) {
      await rejectsWith(
        read(`/content-range/${encodeURIComponent(range)}/small`, { offset: 10, length: 20 }),
        'origin_rejected',
        /short/,
      );
    }
  });

  test('other statuses: refused for good, or failed for now', async () => {
    for (const [status, code] of [
      [404, 'origin_rejected'],
      [403, 'origin_rejected'],
      [302, 'origin_rejected'],
      [500, 'origin_failed'],
      [503, 'origin_failed'],
      [429, 'origin_failed'],
      [408, 'origin_failed'],
    ]) {
      await rejectsWith(read(`/status/${status}`, { offset: 0, length: 10 }), code, new RegExp(`HTTP ${status}`));
    }
  });
});

describe('failures while reading', () => {
  test('a body that ends before its Content-Range does has failed', async () => {
    const response = new Response(new Uint8Array(10), { status: 206, headers: { 'content-range': 'bytes 0-99/100' } });
    await rejectsWith(
      readWindow(response, { offset: 0, length: 100 }, { maxBytes: 100, onBytes() {} }),
      'origin_failed',
      /ended after 10 of the 100 bytes/,
    );
  });

  test('a body that breaks has failed; a timeout is a timeout', async () => {
    const broken = new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array(5));
        controller.error(new TypeError('terminated'));
      },
    });
    await rejectsWith(
      readWindow(new Response(broken), { offset: 0, length: null }, { maxBytes: 100, onBytes() {} }),
      'origin_failed',
    );
    await rejectsWith(read('/ranged/small', { offset: 0, length: 10 }, { deadline: Date.now() - 1 }), 'origin_timeout');
    assert.equal(originFailure(new DOMException('late', 'TimeoutError'), 'u').code, 'origin_timeout');
    assert.equal(originFailure(new DOMException('stop', 'AbortError'), 'u').code, 'origin_timeout');
  });

  // An origin that sends its headers and then a byte a second, or nothing at all: a read waiting
  // for bytes that do not come ends at the deadline (between two bytes), or when the signal
  // aborts, and the origin is hung up on rather than left sending.
  const TIME = 1500;
  for (const [what, path] of [
    ['a byte a second', '/trickle/1000/small'],
    ['nothing after the headers', '/trickle/600000/small'],
  ]) {
    for (const [how, options] of [
      ['the deadline passes', () => ({ deadline: Date.now() + TIME })],
      ['the signal aborts', () => ({ signal: AbortSignal.timeout(TIME) })],
    ]) {
      test(`an origin sending ${what}: the read ends when ${how}`, { timeout: 10_000 }, async () => {
        const started = Date.now();
        await rejectsWith(read(path, { offset: 0, length: null }, options()), 'origin_timeout');
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= TIME - 50 && elapsed < TIME + 300, `ended after ${elapsed} ms, not ${TIME}`);
        const answer = origin.stats.trickled.at(-1);
        assert.equal(await answer.done, false, 'the whole object was sent');
        assert.ok(
          answer.closedAt - started < TIME + 1000,
          `the origin was hung up on ${answer.closedAt - started} ms in`,
        );
        assert.ok(answer.sent < 3, `${answer.sent} bytes sent`);
      });
    }
  }

  test('a refused connection has failed', async () => {
    const closed = createServer();
    await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${closed.address().port}/x`;
    await new Promise((resolve) => closed.close(resolve));
    const error = await fetch(url).then(
      () => null,
      (e) => originFailure(e, url),
    );
    assert.equal(error.code, 'origin_failed');
  });

  test('what onBytes throws ends the read and comes out as is', async () => {
    const response = await fetch(origin.url('/paced/big'));
    const refusal = new RangeError('no more');
    await assert.rejects(
      readWindow(
        response,
        { offset: 0, length: null },
        {
          maxBytes: BIG.length,
          onBytes() {
            throw refusal;
          },
        },
      ),
      (e) => e === refusal,
    );
    assert.equal((await lastPaced()).complete, false);
  });
});
