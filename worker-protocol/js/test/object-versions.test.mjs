// Windows of programs that pin a version of their object (docs/kernel.md, "Versions"): every case
// of worker-protocol/spec/version-checks.json, the file the Java reader runs too, against
// versionProblem and readWindow; then real reads from the loopback origin's objects that change
// (scripts/lib/loopback-origin.mjs, /versioned/MODE/N/NAME), whose answers are refused before any
// byte of them reaches the caller.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validate } from '@packetfs/kernel';
import { pseudoRandomBytes as bytes, startOrigin } from '../../../scripts/lib/loopback-origin.mjs';
import { WindowError, preconditionHeaders, rangeHeader, readWindow, versionProblem } from '../range-window.mjs';

const checks = JSON.parse(readFileSync(new URL('../../spec/version-checks.json', import.meta.url), 'utf8'));

const OBJECT = bytes(11, 1 << 20);
const GROWN = bytes(12, 1 << 20);
const URL_IN_CASES = 'https://objects.example/o';
let origin;

const flipped = (object) => object.map((b) => b ^ 0xff);

/** A version in its program form ({"etag", "last_modified", "size"}) as a validated program holds it. */
function versionOf(json) {
  return validate({ op: 'crc32c', data_url: URL_IN_CASES, version: json }).version;
}

before(async () => {
  origin = await startOrigin(
    new Map([
      ['object', OBJECT],
      ['grown', GROWN],
      ['grown@2', new Uint8Array(GROWN.length + 1)],
    ]),
  );
});

after(() => origin?.close());

describe('the preconditions sent', () => {
  test('If-Match for a strong ETag, If-Unmodified-Since for a date, nothing for a weak ETag or a size', () => {
    assert.deepEqual(preconditionHeaders(versionOf({ etag: '"v1"', size: 10 })), { 'if-match': '"v1"' });
    assert.deepEqual(preconditionHeaders(versionOf({ last_modified: 'Sun, 06 Dec 2026 00:20:21 GMT' })), {
      'if-unmodified-since': 'Sun, 06 Dec 2026 00:20:21 GMT',
    });
    assert.deepEqual(preconditionHeaders(versionOf({ etag: 'W/"v1"', size: 10 })), {});
    assert.deepEqual(preconditionHeaders(versionOf({ size: 10 })), {});
    assert.deepEqual(preconditionHeaders(null), {});
  });
});

describe('version-checks.json', () => {
  test('every case, judged by versionProblem', () => {
    const outcomes = new Set();
    for (const c of checks.cases) {
      const problem = versionProblem(versionOf(c.version), c.status, new Headers(c.headers), URL_IN_CASES);
      outcomes.add(c.outcome);
      if (c.outcome === 'ok') {
        assert.equal(problem, null, `${c.name}: ${problem?.message}`);
        continue;
      }
      assert.ok(problem instanceof WindowError, `${c.name}: no problem found`);
      assert.equal(problem.code, c.outcome, `${c.name}: ${problem.message}`);
      assert.ok(problem.message.startsWith(URL_IN_CASES), problem.message);
    }
    assert.deepEqual([...outcomes].sort(), ['object_changed', 'ok', 'origin_rejected']);
    assert.ok(checks.cases.length >= 34, `only ${checks.cases.length} cases`);
  });

  test('every case through readWindow: a refused answer gives the caller no byte', async () => {
    for (const c of checks.cases) {
      const body = c.status === 200 || c.status === 206 ? new Uint8Array(c.status === 200 ? 100 : 10).fill(1) : null;
      const response = new Response(body, { status: c.status, headers: c.headers });
      let calls = 0;
      const read = readWindow(
        response,
        { offset: 0, length: 10, version: versionOf(c.version) },
        {
          maxBytes: 100,
          url: URL_IN_CASES,
          onBytes() {
            calls++;
          },
        },
      );
      if (c.outcome === 'ok') {
        assert.equal(await read, c.status === 416 ? 0 : 10, c.name);
      } else {
        await assert.rejects(read, (e) => e instanceof WindowError && e.code === c.outcome, c.name);
        assert.equal(calls, 0, `${c.name}: onBytes was called`);
      }
    }
  });

  test('the messages name what differs', () => {
    const v1 = versionOf({ etag: '"v1"', size: 100 });
    const url = URL_IN_CASES;
    assert.equal(
      versionProblem(v1, 206, new Headers({ etag: '"v2"', 'content-range': 'bytes 0-9/100' }), url).message,
      `${url} is no longer the version the program pins: it answered ETag "v2" where the program pins ETag "v1"`,
    );
    assert.equal(
      versionProblem(v1, 206, new Headers({ etag: '"v1"', 'content-range': 'bytes 0-9/101' }), url).message,
      `${url} is no longer the version the program pins: its size is 101 bytes where the program pins 100`,
    );
    assert.equal(
      versionProblem(v1, 412, new Headers(), url).message,
      `${url} answered 412 Precondition Failed: the object is no longer ETag "v1", 100 bytes`,
    );
    assert.equal(
      versionProblem(v1, 412, new Headers({ etag: '"v2"' }), url).message,
      `${url} answered 412 Precondition Failed: the object is no longer ETag "v1", 100 bytes; it is now ETag "v2"`,
    );
    assert.equal(
      versionProblem(v1, 206, new Headers({ 'content-range': 'bytes 0-9/100' }), url).message,
      `${url} answered without the ETag the program pins (an origin read cross-origin must expose ETag by CORS)`,
    );
    const dated = versionOf({ last_modified: 'Sun, 06 Dec 2026 00:20:21 GMT' });
    assert.match(
      versionProblem(dated, 200, new Headers({ 'last-modified': 'Sun, 06 Dec 2026 00:20:22 GMT' }), url).message,
      /it answered Last-Modified Sun, 06 Dec 2026 00:20:22 GMT where the program pins Last-Modified Sun, 06 Dec 2026 00:20:21 GMT$/,
    );
  });

  test('a size past 2^53 - 1 differs from the pinned one rather than being rounded onto it', () => {
    const pinned = versionOf({ size: Number.MAX_SAFE_INTEGER });
    const headers = (total) => new Headers({ 'content-range': `bytes 0-9/${total}` });
    assert.equal(versionProblem(pinned, 206, headers('9007199254740991'), URL_IN_CASES), null);
    assert.equal(versionProblem(pinned, 206, headers('9007199254740992'), URL_IN_CASES)?.code, 'object_changed');
    assert.equal(versionProblem(versionOf({ size: 100 }), 206, headers('00100'), URL_IN_CASES), null);
  });

  test('statuses that say nothing of the version are left to the window reader', () => {
    const v1 = versionOf({ etag: '"v1"', size: 100 });
    for (const status of [404, 500, 302, 429])
      assert.equal(versionProblem(v1, status, new Headers(), URL_IN_CASES), null, `${status}`);
  });
});

/**
 * Reads window {offset, length} of `path` as a program pinning `version` would: the Range and the
 * precondition sent, the answer judged by readWindow. `calls` counts onBytes calls, kept even when
 * the read fails.
 */
async function readVersioned(path, version, { offset = 0, length = null, range = true } = {}) {
  const p = validate({
    op: 'crc32c',
    data_url: origin.url(path),
    offset,
    ...(length === null ? {} : { length }),
    version,
  });
  const result = { calls: 0, bytes: null, error: null };
  const response = await fetch(p.dataUrl, {
    headers: { ...(range ? { range: rangeHeader(p) } : {}), ...preconditionHeaders(p.version) },
  });
  const pieces = [];
  try {
    await readWindow(response, p, {
      maxBytes: 1 << 30,
      onBytes: (piece) => {
        result.calls++;
        pieces.push(piece.slice());
      },
    });
    result.bytes = new Uint8Array(pieces.reduce((n, piece) => n + piece.length, 0));
    pieces.reduce((at, piece) => (result.bytes.set(piece, at), at + piece.length), 0);
  } catch (e) {
    result.error = e;
  }
  return result;
}

/** The read failed with `code` (message matching `pattern`) and gave the caller no byte. */
function refused(result, code, pattern) {
  assert.ok(result.error instanceof WindowError, `not refused: ${result.error ?? `${result.bytes.length} bytes read`}`);
  assert.equal(result.error.code, code, result.error.message);
  if (pattern) assert.match(result.error.message, pattern);
  assert.equal(result.calls, 0, 'bytes of a refused answer reached onBytes');
}

const WINDOW = { offset: 1000, length: 300_000 };
const v1Window = OBJECT.subarray(WINDOW.offset, WINDOW.offset + WINDOW.length);
const STRONG_V1 = { etag: '"object-v1"', size: OBJECT.length };
const DATE_V1 = { last_modified: 'Sun, 06 Dec 2026 00:00:01 GMT', size: OBJECT.length };

describe('reading an object that changes', () => {
  for (const [mode, version, sent, how] of [
    [
      'strong',
      STRONG_V1,
      { 'if-match': '"object-v1"', 'if-unmodified-since': null },
      /answered 412 Precondition Failed: the object is no longer ETag "object-v1", \d+ bytes$/,
    ],
    [
      'date',
      DATE_V1,
      { 'if-match': null, 'if-unmodified-since': DATE_V1.last_modified },
      /answered 412 .* no longer Last-Modified Sun, 06 Dec 2026 00:00:01 GMT, \d+ bytes$/,
    ],
    [
      'weak',
      { etag: 'W/"object-v1"', size: OBJECT.length },
      { 'if-match': null, 'if-unmodified-since': null },
      /it answered ETag W\/"object-v2" where the program pins ETag W\/"object-v1"$/,
    ],
    [
      'ignoring',
      STRONG_V1,
      { 'if-match': '"object-v1"', 'if-unmodified-since': null },
      /it answered ETag "object-v2" where the program pins ETag "object-v1"$/,
    ],
  ]) {
    test(`${mode}: the pinned version is read, with its precondition; once the object changed, the read is refused`, async () => {
      const path = `/versioned/${mode}/1/object`;
      const first = await readVersioned(path, version, WINDOW);
      assert.equal(first.error, null, first.error?.message);
      assert.deepEqual(first.bytes, v1Window);
      const second = await readVersioned(path, version, WINDOW);
      refused(second, 'object_changed', how);
      const route = origin.stats.versioned.get(`${mode}/1/object`);
      assert.deepEqual(
        route.requests.map((r) => ({ 'if-match': r['if-match'], 'if-unmodified-since': r['if-unmodified-since'] })),
        [sent, sent],
      );
      assert.equal(route.gets, 2);
      // An origin that honours the precondition sends nothing of version 2; the others do, unread.
      assert.deepEqual(route.served, { 1: 1, 2: mode === 'strong' || mode === 'date' ? 0 : 1 });
    });
  }

  test('none: only a size pinned, the same size after the change: nothing can tell, version 2 is read', async () => {
    const read = await readVersioned('/versioned/none/0/object', { size: OBJECT.length }, WINDOW);
    assert.equal(read.error, null, read.error?.message);
    assert.deepEqual(read.bytes, flipped(v1Window));
    assert.deepEqual(origin.stats.versioned.get('none/0/object').requests.at(-1)['if-match'], null);
  });

  test('a size pinned: a 206, a 416 and a 200 that state another size are refused', async () => {
    const pattern = new RegExp(`its size is ${GROWN.length + 1} bytes where the program pins ${GROWN.length}$`);
    const pinned = { size: GROWN.length };
    refused(await readVersioned('/versioned/none/0/grown', pinned, WINDOW), 'object_changed', pattern);
    refused(
      await readVersioned('/versioned/none/0/grown', pinned, { offset: GROWN.length + 10, length: 5 }),
      'object_changed',
      pattern,
    );
    refused(await readVersioned('/versioned/none/0/grown', pinned, { range: false }), 'object_changed', pattern);
    const before = await readVersioned('/versioned/none/3/grown', pinned, { range: false });
    assert.deepEqual(before.bytes, GROWN);
  });

  test('a window past the end: 416 is an empty window of the pinned version, and refused once it changed', async () => {
    const past = { offset: OBJECT.length + 5, length: 10 };
    const first = await readVersioned('/versioned/ignoring/2/object', STRONG_V1, past);
    assert.equal(first.error, null, first.error?.message);
    assert.equal(first.bytes.length, 0);
    await readVersioned('/versioned/ignoring/2/object', STRONG_V1, past);
    refused(
      await readVersioned('/versioned/ignoring/2/object', STRONG_V1, past),
      'object_changed',
      /answered ETag "object-v2"/,
    );
  });

  test('an answer without the pinned validator cannot be checked: origin_rejected', async () => {
    refused(
      await readVersioned('/versioned/date/5/object', STRONG_V1, WINDOW),
      'origin_rejected',
      /answered without the ETag the program pins \(an origin read cross-origin must expose ETag by CORS\)$/,
    );
    refused(
      await readVersioned('/versioned/weak/5/object', DATE_V1, WINDOW),
      'origin_rejected',
      /without the Last-Modified the program pins/,
    );
    refused(
      await readVersioned('/versioned/none/5/object', { etag: 'W/"object-v1"' }, WINDOW),
      'origin_rejected',
      /without the ETag/,
    );
  });

  test('a strong ETag pinned where the origin has only a weak one: If-Match never matches it', async () => {
    refused(
      await readVersioned('/versioned/weak/5/object', { etag: '"object-v1"' }, WINDOW),
      'object_changed',
      /answered 412/,
    );
  });
});

describe('the versioned route of the loopback origin', () => {
  async function etagOf(path, init = {}) {
    const response = await fetch(origin.url(path), init);
    await response.arrayBuffer();
    return response.headers.get('etag');
  }

  test('HEAD and the probe (bytes=0-0) do not count towards the change, and see version 2 after it', async () => {
    const path = '/versioned/strong/1/grown';
    const key = 'strong/1/grown';
    const unchanged = [
      await etagOf(path, { method: 'HEAD' }),
      await etagOf(path, { headers: { range: 'bytes=0-0' } }),
      await etagOf(path, { headers: { range: 'bytes=5-9' } }),
    ];
    assert.deepEqual(unchanged, ['"grown-v1"', '"grown-v1"', '"grown-v1"']);
    assert.equal(await etagOf(path, { method: 'HEAD' }), '"grown-v2"');
    assert.equal(await etagOf(path, { headers: { range: 'bytes=0-0' } }), '"grown-v2"');
    assert.deepEqual(
      { gets: origin.stats.versioned.get(key).gets, served: origin.stats.versioned.get(key).served },
      { gets: 1, served: { 1: 2, 2: 1 } },
    );
  });

  test('If-Match: * passes; If-Match takes precedence over If-Unmodified-Since', async () => {
    const status = async (path, headers) => (await fetch(origin.url(path), { headers })).status;
    assert.equal(await status('/versioned/strong/9/object', { 'if-match': '*', range: 'bytes=0-9' }), 206);
    assert.equal(
      await status('/versioned/strong/9/object', { 'if-match': '"a", "object-v1"', range: 'bytes=0-9' }),
      206,
    );
    assert.equal(await status('/versioned/strong/9/object', { 'if-match': 'W/"object-v1"' }), 412);
    assert.equal(
      await status('/versioned/strong/9/object', {
        'if-match': '"object-v1"',
        'if-unmodified-since': 'Sun, 06 Nov 1994 08:49:37 GMT',
      }),
      200,
    );
    assert.equal(
      await status('/versioned/strong/9/object', { 'if-unmodified-since': 'Sun, 06 Nov 1994 08:49:37 GMT' }),
      412,
    );
    assert.equal(
      await status('/versioned/ignoring/9/object', {
        'if-match': '"nope"',
        'if-unmodified-since': 'Sun, 06 Nov 1994 08:49:37 GMT',
      }),
      200,
    );
    assert.equal(await status('/versioned/date/9/object', { 'if-match': '"nope"' }), 200);
  });

  test('CORS lets a page send the preconditions and read the validators', async () => {
    const response = await fetch(origin.url('/versioned/strong/1/object'), { method: 'OPTIONS' });
    const allowed = response.headers.get('access-control-allow-headers').split(/,\s*/);
    const exposed = response.headers.get('access-control-expose-headers').split(/,\s*/);
    for (const name of ['range', 'if-match', 'if-unmodified-since']) assert.ok(allowed.includes(name), name);
    for (const name of ['content-range', 'content-length', 'etag', 'last-modified', 'accept-ranges'])
      assert.ok(exposed.includes(name), name);
  });
});
