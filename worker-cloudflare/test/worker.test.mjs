// The Worker in workerd (wrangler dev --local), not in Node: the kernel vectors through
// POST /compute, inline and from a loopback Range origin; auth; bad input; limits; address rules;
// versions of an object that changes.
// Every error reply's status is checked against the table of worker-protocol/spec/worker-errors.json.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execute } from '@packetfs/kernel';
import { inlined, vectors, objectBytes } from '@packetfs/kernel/test/vectors.mjs';
import { startOrigin } from '../../scripts/lib/loopback-origin.mjs';
import rules from '@packetfs/worker-protocol/spec/address-rules.json' with { type: 'json' };
import errorTable from '@packetfs/worker-protocol/spec/worker-errors.json' with { type: 'json' };
import { startWorker } from './workerd.mjs';

const STATUS_OF = new Map(errorTable.errors.map((e) => [e.code, e.status]));

const TOKEN = 'workerd-test-token-0123456789';
const objects = new Map();
const objectNames = new Map();
let origin;
let worker;

function nameOf(object) {
  const key = JSON.stringify(object);
  if (!objectNames.has(key)) {
    const name = `o${objectNames.size}`;
    objectNames.set(key, name);
    objects.set(name, objectBytes(object));
  }
  return objectNames.get(key);
}

async function compute(body, { token = TOKEN, raw = false } = {}) {
  const response = await fetch(`${worker.url}/compute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: raw ? body : JSON.stringify(body),
  });
  return agreesWithTable({ status: response.status, body: await response.json(), headers: response.headers });
}

/** A reply whose error_code is one of worker-errors.json's, sent with that code's status. */
function agreesWithTable(reply) {
  if (reply.status !== 200) {
    assert.ok(STATUS_OF.has(reply.body.error_code), `error_code ${reply.body.error_code} is not in worker-errors.json`);
    assert.equal(reply.status, STATUS_OF.get(reply.body.error_code), `status of ${reply.body.error_code}`);
  }
  return reply;
}

/** Runs `fn` over `items`, `width` at a time. */
async function each(items, width, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

before(async () => {
  for (const c of vectors.cases) if (c.object) nameOf(c.object);
  objects.set('digits', new TextEncoder().encode('123456789'));
  origin = await startOrigin(objects, { 'private.example': ['10.1.2.3'], 'mapped.example': ['::ffff:10.9.8.7'] });
  worker = await startWorker({
    PACKETFS_WORKER_TOKEN: TOKEN,
    PACKETFS_WORKER_LOCATION: 'local',
    PACKETFS_FETCH_ALLOW_HOSTS: '127.0.0.1',
    PACKETFS_FETCH_DOH_URL: origin.url('/dns'),
    PACKETFS_FETCH_MAX_WINDOW_BYTES: String(4 << 20),
    PACKETFS_WORKER_MAX_BODY_BYTES: String(4 << 20),
  });
});

after(async () => {
  await worker?.stop();
  await origin?.close();
});

describe('the kernel vectors through POST /compute in workerd', () => {
  test('with inline data', async () => {
    let checked = 0;
    await each(vectors.cases, 8, async (c, i) => {
      const program = inlined(c);
      const { status, body } = await compute({ job_id: `v${i}`, program, timeout_ms: 20_000 });
      assert.equal(status, 200, `${c.name}: ${JSON.stringify(body)}`);
      assert.deepEqual(body.result, c.expected, c.name);
      assert.equal(body.job_id, `v${i}`);
      assert.equal(body.bytes_processed, c.expected.bytes_processed);
      checked++;
    });
    assert.ok(checked > 3000, `only ${checked} vectors ran`);
  });

  test('with data_url from a loopback Range origin', async () => {
    let checked = 0;
    const cases = vectors.cases.filter((c) => c.object);
    await each(cases, 8, async (c, i) => {
      const program = { ...c.program, data_url: origin.url(`/ranged/${nameOf(c.object)}`) };
      const { status, body } = await compute({ job_id: `u${i}`, program });
      assert.equal(status, 200, `${c.name}: ${JSON.stringify(body)}`);
      assert.deepEqual(body.result, c.expected, c.name);
      checked++;
    });
    assert.ok(checked > 1000, `only ${checked} vectors ran`);
  });

  test('an origin that ignores Range, redirects, and windows past the end', async () => {
    const [name, big] = [...objects].find(([, bytes]) => bytes.length >= 1 << 20);
    for (const [path, offset, length] of [
      [`/whole/${name}`, 123_457, 70_000],
      [`/whole/${name}`, 0, null],
      [`/redirect/3/ranged/${name}`, 77, 1000],
      [`/ranged/${name}`, big.length - 10, 100],
      [`/ranged/${name}`, big.length + 5, 10],
    ]) {
      for (const op of ['crc32c', 'fnv64', 'add', 'xor', 'counteq']) {
        const program = { op, imm: 0x33, data_url: origin.url(path), offset, ...(length === null ? {} : { length }) };
        const { status, body } = await compute({ program });
        assert.equal(status, 200, `${op} ${path}: ${JSON.stringify(body)}`);
        assert.deepEqual(body.result, execute(program, big), `${op} ${path} [${offset}, +${length})`);
      }
    }
  });

  test('reports location and billed units for the cost ledger', async () => {
    const { body } = await compute({ job_id: 'b', program: { op: 'crc32c', data_url: origin.url('/ranged/digits') } });
    assert.equal(body.result.checksum, 3808858755);
    assert.equal(body.location, 'local');
    assert.equal(body.billed.requests, 1);
    assert.ok(body.billed.cpu_ms >= 1);
  });
});

describe('auth', () => {
  test('a missing or wrong token gets 401 and does no work', async () => {
    const before = origin.stats.requests;
    const job = { program: { op: 'counteq', imm: 49, data_url: origin.url('/ranged/digits') } };
    for (const token of [null, 'wrong-token-0123456789', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const { status, body, headers } = await compute(job, { token });
      assert.equal(status, 401, String(token));
      assert.equal(body.error_code, 'unauthorized');
      assert.equal(headers.get('www-authenticate'), 'Bearer');
    }
    const basic = await fetch(`${worker.url}/compute`, {
      method: 'POST',
      headers: { authorization: `Basic ${TOKEN}` },
      body: '{}',
    });
    assert.equal(agreesWithTable({ status: basic.status, body: await basic.json() }).status, 401);
    assert.equal(origin.stats.requests, before, 'a refused request reached the origin');
    assert.equal((await compute(job)).body.result.count, 1);
  });

  test('the Bearer scheme is matched in any case (RFC 7235)', async () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      const response = await fetch(`${worker.url}/compute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `${scheme} ${TOKEN}` },
        body: JSON.stringify({ program: { op: 'crc32c', data: 'MTIzNDU2Nzg5' } }),
      });
      assert.equal(response.status, 200, scheme);
      assert.equal((await response.json()).result.checksum, 3808858755);
    }
  });

  test('/health needs no token', async () => {
    const response = await fetch(`${worker.url}/health`);
    const body = await response.json();
    assert.equal(response.status, 200);
    assert.equal(body.status, 'ok');
    assert.deepEqual(body.capabilities.ops, ['counteq', 'crc32c', 'fnv64', 'xor', 'add']);
    assert.equal(body.capabilities.max_body_bytes, 4 << 20);
  });
});

describe('bad input gets 400 with a message naming what is wrong', () => {
  for (const [what, text, field] of [
    ['malformed JSON', '{"program": ', 'body is not valid JSON'],
    ['not an object', '[1,2]', 'body:'],
    ['no program', '{"job_id":"x"}', 'program:'],
    ['unknown op', '{"program":{"op":"nope","data":""}}', 'op:'],
    ['imm out of range', '{"program":{"op":"add","imm":256,"data":""}}', 'imm:'],
    ['negative offset', '{"program":{"op":"add","offset":-1,"data":""}}', 'offset:'],
    ['both data and data_url', '{"program":{"op":"add","data":"","data_url":"http://127.0.0.1/x"}}', 'data'],
    ['neither data nor data_url', '{"program":{"op":"add"}}', 'data'],
    ['bad base64', '{"program":{"op":"add","data":"a b"}}', 'data:'],
    ['bad timeout', '{"timeout_ms":-5,"program":{"op":"add","data":""}}', 'timeout_ms:'],
    ['bad job_id', '{"job_id":7,"program":{"op":"add","data":""}}', 'job_id:'],
    ['non-http data_url', '{"program":{"op":"add","data_url":"file:///etc/passwd"}}', 'data_url:'],
  ]) {
    test(what, async () => {
      const { status, body } = await compute(text, { raw: true });
      assert.equal(status, 400, JSON.stringify(body));
      assert.equal(body.success, false);
      assert.equal(body.error_code, 'bad_request');
      assert.ok(body.error.startsWith(field) || body.error.includes(field), body.error);
    });
  }

  test("unknown paths and methods get HTTP's answer, with no error_code (whose status the table fixes)", async () => {
    for (const [path, method, status] of [
      ['/nothing', 'GET', 404],
      ['/compute', 'GET', 405],
      ['/health', 'POST', 405],
    ]) {
      const response = await fetch(`${worker.url}${path}`, { method });
      assert.equal(response.status, status, `${method} ${path}`);
      const body = await response.json();
      assert.equal(body.success, false);
      assert.equal(body.error_code, undefined);
    }
  });
});

describe('limits', () => {
  // Both bodies stay under twice the limit, which the Worker reads to the end before answering:
  // an early answer would race the upload (see worker.mjs, DRAIN_FACTOR).
  test('a body over the limit is refused with 413, declared or streamed', async () => {
    const data = Buffer.alloc(5 << 20).toString('base64');
    const declared = await compute({ program: { op: 'add', data } });
    assert.equal(declared.status, 413);
    assert.equal(declared.body.error_code, 'too_large');
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 80; i++) controller.enqueue(new Uint8Array(64 * 1024).fill(32));
        controller.close();
      },
    });
    const streamed = await fetch(`${worker.url}/compute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: chunks,
      duplex: 'half',
    });
    assert.equal(streamed.status, 413);
    assert.equal(
      agreesWithTable({ status: streamed.status, body: await streamed.json() }).body.error_code,
      'too_large',
    );
  });

  test('a window over the limit is refused before any fetch', async () => {
    const before = origin.stats.requests;
    const { status, body } = await compute({
      program: { op: 'add', data_url: origin.url('/ranged/digits'), length: (4 << 20) + 1 },
    });
    assert.equal(status, 413);
    assert.equal(body.error_code, 'too_large');
    assert.equal(origin.stats.requests, before);
  });

  test('an origin sending more than the limit is cut off', async () => {
    objects.set('huge', new Uint8Array(6 << 20));
    const { status, body } = await compute({ program: { op: 'add', data_url: origin.url('/whole/huge') } });
    assert.equal(status, 413, JSON.stringify(body));
    assert.equal(body.error_code, 'too_large');
  });
});

describe('address rules', () => {
  for (const url of [
    'http://10.0.0.1/x',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/latest/',
    'http://[fdaa::3]/x',
    'http://100.64.0.1/x',
    'http://192.168.1.1/x',
    'http://172.16.0.1/x',
    'http://[::1]/x',
    'http://[fe80::1]/x',
    'http://[::ffff:10.0.0.1]/x',
    'http://[64:ff9b::a00:1]/x',
    'http://localhost/x',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://private.example/x', // its DNS answer is 10.1.2.3
    'http://mapped.example/x', // its DNS answer is ::ffff:10.9.8.7
  ]) {
    test(`refuses ${url}`, async () => {
      const { status, body } = await compute({ program: { op: 'xor', data_url: url } });
      assert.equal(status, 400, `${url}: ${JSON.stringify(body)}`);
      assert.equal(body.error_code, 'address_refused', `${url}: ${JSON.stringify(body)}`);
    });
  }

  test('an IPv4 host in any spelling but four decimal numbers is an invalid program, never fetched', async () => {
    const port = new URL(origin.url('/')).port;
    const before = origin.stats.requests;
    for (const url of [
      `http://0177.0.0.1:${port}/ranged/digits`, // 127.0.0.1 here (allow-listed), 177.0.0.1 to Java
      `http://0x7f.1:${port}/ranged/digits`, // 127.0.0.1 in hex, two parts
      `http://2130706433:${port}/ranged/digits`, // 127.0.0.1 as one number
      'http://167772161/x', // 10.0.0.1 in decimal
      'http://012.0.0.1/x', // 10.0.0.1 in octal, 12.0.0.1 to Java
      ...rules.noncanonical_ipv4_urls.map((c) => c.url),
    ]) {
      const { status, body } = await compute({ program: { op: 'crc32c', data_url: url } });
      assert.equal(status, 400, `${url}: ${JSON.stringify(body)}`);
      assert.equal(body.error_code, 'bad_request', url);
      assert.match(body.error, /^data_url: /, url);
    }
    assert.equal(origin.stats.requests, before, 'a refused program reached the origin');
    const canonical = await compute({ program: { op: 'crc32c', data_url: `http://127.0.0.1:${port}/ranged/digits` } });
    assert.equal(canonical.body.result?.checksum, 3808858755, JSON.stringify(canonical.body));
  });

  // As the Java fetcher: the program was fine, the origin's answer names a URL no program may.
  test('a redirect to a non-canonical IPv4 spelling is origin_rejected before it is followed', async () => {
    const port = new URL(origin.url('/')).port;
    for (const location of [
      `http://0177.0.0.1:${port}/ranged/digits`,
      `//0x7f.1:${port}/ranged/digits`,
      `https:2130706433:${port}/x`,
      `http://127.0.0.1.:${port}/ranged/digits`,
    ]) {
      const before = origin.stats.requests;
      const { status, body } = await compute({
        program: { op: 'xor', data_url: origin.url(`/to/${encodeURIComponent(location)}`) },
      });
      assert.equal(status, 422, `${location}: ${JSON.stringify(body)}`);
      assert.equal(body.error_code, 'origin_rejected', location);
      assert.match(body.error, /which is not a URL a program may name: the host .* non-canonical form/, location);
      assert.equal(origin.stats.requests, before + 1, `${location} was fetched`);
    }
  });

  test('a redirect to a refused address is refused at that hop', async () => {
    const { status, body } = await compute({
      program: { op: 'xor', data_url: origin.url(`/to/${encodeURIComponent('http://169.254.169.254/latest/')}`) },
    });
    assert.equal(status, 400);
    assert.equal(body.error_code, 'address_refused');
  });

  test('a redirect to anything but http or https, or to no URL at all, is origin_rejected', async () => {
    for (const location of [
      'gopher://example.com/x',
      'ftp://example.com/x',
      'file:///etc/passwd',
      'data:,abc',
      'javascript:alert(1)',
      'http://[oops/',
      'http://exa mple.com/',
      'https://',
      'http://1.2.3.256/',
    ]) {
      const before = origin.stats.requests;
      const { status, body } = await compute({
        program: { op: 'xor', data_url: origin.url(`/to/${encodeURIComponent(location)}`) },
      });
      assert.equal(status, 422, `${location}: ${JSON.stringify(body)}`);
      assert.equal(body.error_code, 'origin_rejected', location);
      assert.match(body.error, /redirects to a (non-HTTP|malformed) URL/, location);
      assert.equal(origin.stats.requests, before + 1, `${location} was fetched`);
    }
  });

  test('a Content-Range with numbers past 2^53 - 1 is origin_rejected', async () => {
    for (const range of ['bytes 0-8/9007199254740993', 'bytes 0-99999999999999999999/*']) {
      const { status, body } = await compute({
        program: { op: 'xor', data_url: origin.url(`/content-range/${encodeURIComponent(range)}/digits`) },
      });
      assert.equal(status, 422, `${range}: ${JSON.stringify(body)}`);
      assert.equal(body.error_code, 'origin_rejected');
      assert.match(body.error, /past 2\^53/);
    }
  });

  test('origin errors map to the error vocabulary', async () => {
    assert.equal(
      (await compute({ program: { op: 'xor', data_url: origin.url('/status/404') } })).body.error_code,
      'origin_rejected',
    );
    const failed = await compute({ program: { op: 'xor', data_url: origin.url('/status/503') } });
    assert.equal(failed.status, 502);
    assert.equal(failed.body.error_code, 'origin_failed');
    const loop = await compute({ program: { op: 'xor', data_url: origin.url('/redirect/5/ranged/digits') } });
    assert.equal(loop.body.error_code, 'origin_rejected');
    const late = encodeURIComponent('bytes 5-8/9');
    const misplaced = await compute({
      program: { op: 'xor', data_url: origin.url(`/content-range/${late}/digits`), offset: 2, length: 3 },
    });
    assert.equal(misplaced.body.error_code, 'origin_rejected');
    assert.match(misplaced.body.error, /starting at 5, after the requested 2/);
  });
});

// /versioned/MODE/N/NAME of the loopback origin serves NAME as version 1 for N GETs, then as
// version 2 (its bytes XOR 0xFF, or NAME@2), with the MODE's validators and preconditions. The
// Worker started above keeps wrangler.toml's PACKETFS_FETCH_CACHE_TTL (300 s), so its reads go
// through Cloudflare's cache, which workerd has not: every request reaches the origin.
describe('versions', () => {
  const V1 = objectBytes({ prng: { seed: 2026, size: 300_000 } });
  const V1_DATE = 'Sun, 06 Dec 2026 00:00:01 GMT';
  const PINS = {
    strong: { etag: '"ver-v1"', size: V1.length },
    date: { last_modified: V1_DATE, size: V1.length },
    weak: { etag: 'W/"ver-v1"', size: V1.length },
    ignoring: { etag: '"ver-v1"', size: V1.length },
    none: { size: V1.length },
  };
  const SENT = {
    strong: { 'if-match': '"ver-v1"', 'if-unmodified-since': null },
    date: { 'if-match': null, 'if-unmodified-since': V1_DATE },
    weak: { 'if-match': null, 'if-unmodified-since': null },
    ignoring: { 'if-match': '"ver-v1"', 'if-unmodified-since': null },
    none: { 'if-match': null, 'if-unmodified-since': null },
  };
  const HOW_REFUSED = {
    strong: /answered 412 Precondition Failed: the object is no longer ETag "ver-v1", \d+ bytes$/,
    date: /answered 412 Precondition Failed: the object is no longer Last-Modified Sun, 06 Dec 2026 00:00:01 GMT, \d+ bytes$/,
    weak: /it answered ETag W\/"ver-v2" where the program pins ETag W\/"ver-v1"$/,
    ignoring: /it answered ETag "ver-v2" where the program pins ETag "ver-v1"$/,
  };
  let uncached;

  before(async () => {
    objects.set('ver', V1);
    objects.set('grown', V1);
    objects.set('grown@2', V1.subarray(1));
    uncached = await startWorker({
      PACKETFS_WORKER_TOKEN: TOKEN,
      PACKETFS_WORKER_LOCATION: 'local',
      PACKETFS_FETCH_ALLOW_HOSTS: '127.0.0.1',
      PACKETFS_FETCH_DOH_URL: '',
      PACKETFS_FETCH_CACHE_TTL: '0',
    });
  });
  after(async () => uncached?.stop());

  /** POST /compute to `on` (default: the Worker that reads through the cache) with program `fields`. */
  async function job(path, fields, on = worker) {
    const program = { op: 'fnv64', offset: 1000, length: 200_000, ...fields, data_url: origin.url(path) };
    const response = await fetch(`${on.url}/compute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ job_id: 'v', program }),
    });
    return { program, ...agreesWithTable({ status: response.status, body: await response.json() }) };
  }

  /** GETs of /versioned/`key` that `fn` made. */
  async function getsDuring(key, fn) {
    const before = origin.stats.versioned.get(key)?.gets ?? 0;
    const out = await fn();
    return { out, gets: (origin.stats.versioned.get(key)?.gets ?? 0) - before };
  }

  test('a job read before the object changes gets the result over the pinned version, its precondition sent', async () => {
    for (const mode of Object.keys(PINS)) {
      for (const op of ['crc32c', 'fnv64', 'add']) {
        const { status, body, program } = await job(`/versioned/${mode}/1000/ver`, { op, imm: 7, version: PINS[mode] });
        assert.equal(status, 200, `${mode} ${op}: ${JSON.stringify(body)}`);
        assert.deepEqual(body.result, execute(program, V1), `${mode} ${op}`);
      }
      const { requests } = origin.stats.versioned.get(`${mode}/1000/ver`);
      assert.deepEqual(
        requests.map((r) => ({ 'if-match': r['if-match'], 'if-unmodified-since': r['if-unmodified-since'] })),
        [SENT[mode], SENT[mode], SENT[mode]],
        mode,
      );
    }
  });

  test('the precondition goes with every hop of a redirect', async () => {
    const read = await job('/redirect/2/versioned/strong/1000/ver', { version: PINS.strong });
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.deepEqual(read.body.result, execute(read.program, V1));
    assert.equal(origin.stats.versioned.get('strong/1000/ver').requests.at(-1)['if-match'], '"ver-v1"');
    const changed = await job('/redirect/1/versioned/strong/0/ver', { version: PINS.strong });
    assert.equal(changed.status, 412, JSON.stringify(changed.body));
    assert.equal(changed.body.error_code, 'object_changed');
  });

  for (const mode of ['strong', 'date', 'weak', 'ignoring']) {
    test(`${mode}: a job whose object changed before the read gets 412 object_changed`, async () => {
      const {
        out: { status, body },
        gets,
      } = await getsDuring(`${mode}/0/ver`, () => job(`/versioned/${mode}/0/ver`, { version: PINS[mode] }));
      assert.equal(status, 412, JSON.stringify(body));
      assert.equal(body.error_code, 'object_changed');
      assert.equal(body.job_id, 'v');
      assert.ok(body.error.startsWith(`data_url: ${origin.url(`/versioned/${mode}/0/ver`)}`), body.error);
      assert.match(body.error, HOW_REFUSED[mode]);
      // Read through the cache, then once past it: the second answer decided.
      assert.equal(gets, 2);
    });
  }

  test('none: with only a size pinned and the same size, nothing tells the versions apart: version 2 is read', async () => {
    const { status, body, program } = await job('/versioned/none/0/ver', { version: PINS.none });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(
      body.result,
      execute(
        program,
        V1.map((b) => b ^ 0xff),
      ),
    );
  });

  test('a size pinned: an object of another size is object_changed', async () => {
    const { status, body } = await job('/versioned/none/0/grown', { version: { size: V1.length } });
    assert.equal(status, 412, JSON.stringify(body));
    assert.equal(body.error_code, 'object_changed');
    assert.match(body.error, new RegExp(`its size is ${V1.length - 1} bytes where the program pins ${V1.length}$`));
  });

  test('an answer without the pinned ETag is origin_rejected, read once', async () => {
    const {
      out: { status, body },
      gets,
    } = await getsDuring('date/1000/ver', () => job('/versioned/date/1000/ver', { version: PINS.strong }));
    assert.equal(status, 422, JSON.stringify(body));
    assert.equal(body.error_code, 'origin_rejected');
    assert.match(body.error, /answered without the ETag the program pins/);
    assert.equal(gets, 1);
  });

  test('through the cache, a changed object costs one more request; an unchanged one, or without the cache, none', async () => {
    const changed = await getsDuring('strong/0/ver', () =>
      job('/versioned/strong/0/ver', { version: PINS.strong }, uncached),
    );
    assert.equal(changed.out.body.error_code, 'object_changed', JSON.stringify(changed.out.body));
    assert.equal(changed.gets, 1, 'read again without a cache');
    const ignored = await getsDuring('ignoring/0/ver', () =>
      job('/versioned/ignoring/0/ver', { version: PINS.ignoring }, uncached),
    );
    assert.equal(ignored.out.body.error_code, 'object_changed', JSON.stringify(ignored.out.body));
    assert.equal(ignored.gets, 1, 'read again without a cache');
    const unchanged = await getsDuring('strong/1000/ver', () =>
      job('/versioned/strong/1000/ver', { version: PINS.strong }),
    );
    assert.equal(unchanged.out.status, 200, JSON.stringify(unchanged.out.body));
    assert.equal(unchanged.gets, 1, 'an unchanged object read twice');
  });
});

// The Worker answers within timeout_ms plus this much (docs/worker-protocol.md, "Limits"),
// measured here from the client, so it includes the loopback round trip.
const DEADLINE_GRACE_MS = 250;

describe('deadlines', () => {
  // One slot and a 3 s maximum: a job that outlived its deadline would hold the slot (the next
  // job would get 429), and a job without timeout_ms gets the maximum.
  let single;
  before(async () => {
    objects.set('slow', new Uint8Array(64).fill(7));
    single = await startWorker({
      PACKETFS_WORKER_TOKEN: TOKEN,
      PACKETFS_WORKER_LOCATION: 'local',
      PACKETFS_FETCH_ALLOW_HOSTS: '127.0.0.1',
      PACKETFS_WORKER_MAX_CONCURRENCY: '1',
      PACKETFS_WORKER_MAX_DURATION_MS: '3000',
      // A resolver that never answers: only the test of a name below asks it.
      PACKETFS_FETCH_DOH_URL: origin.url('/delay/600000/dns'),
    });
  });
  after(async () => single?.stop());

  async function timed(job) {
    const started = Date.now();
    const response = await fetch(`${single.url}/compute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(job),
    });
    const reply = agreesWithTable({ status: response.status, body: await response.json() });
    return { ...reply, elapsed: Date.now() - started, answeredAt: Date.now() };
  }

  /** The origin's last trickled answer, once its connection ended or after `wait` ms: {complete, sent, closedAt}. */
  async function lastTrickled(wait = 2000) {
    const answer = origin.stats.trickled.at(-1);
    const complete = await Promise.race([
      answer.done,
      new Promise((resolve) => setTimeout(resolve, wait, 'still open')),
    ]);
    return { complete, sent: answer.sent, closedAt: answer.closedAt };
  }

  async function slotIsFree() {
    const { status, body } = await timed({ program: { op: 'crc32c', data: 'MTIzNDU2Nzg5' } });
    assert.equal(status, 200, `the next job: ${JSON.stringify(body)}`);
  }

  for (const [what, path, timeoutMs, limit] of [
    ['an origin sending one byte a second', '/trickle/1000/slow', 2000, 2000],
    ['an origin that sends its headers, then nothing', '/trickle/600000/slow', 2000, 2000],
    ["the same without timeout_ms: the Worker's maximum applies", '/trickle/600000/slow', null, 3000],
    ['timeout_ms over the maximum is cut to it', '/trickle/1000/slow', 60_000, 3000],
  ]) {
    test(`${what}: 504 in time, and the origin is hung up on`, { timeout: 15_000 }, async () => {
      const job = {
        program: { op: 'crc32c', data_url: origin.url(path) },
        ...(timeoutMs ? { timeout_ms: timeoutMs } : {}),
      };
      const { status, body, elapsed, answeredAt } = await timed(job);
      assert.equal(status, 504, JSON.stringify(body));
      assert.equal(body.error_code, 'origin_timeout');
      assert.ok(elapsed < limit + DEADLINE_GRACE_MS, `answered after ${elapsed} ms, deadline ${limit} ms`);
      assert.ok(elapsed >= limit - 50, `answered after ${elapsed} ms, before the deadline of ${limit} ms`);
      const { complete, sent, closedAt } = await lastTrickled();
      assert.equal(complete, false, 'the origin sent the whole object');
      assert.ok(
        closedAt !== null && closedAt - answeredAt < 1000,
        `the origin's connection was still open ${closedAt === null ? 'after 2 s' : `${closedAt - answeredAt} ms after the answer`}`,
      );
      assert.ok(sent < 6, `${sent} bytes sent`);
      await slotIsFree();
    });
  }

  for (const [what, url] of [
    ['an origin that never answers', () => origin.url('/delay/600000/ranged/digits')],
    ['a DNS-over-HTTPS resolver that never answers', () => 'http://objects.example/o'],
  ]) {
    test(`${what}: 504 in time`, { timeout: 15_000 }, async () => {
      const { status, body, elapsed } = await timed({ program: { op: 'crc32c', data_url: url() }, timeout_ms: 2000 });
      assert.equal(status, 504, JSON.stringify(body));
      assert.equal(body.error_code, 'origin_timeout');
      assert.ok(elapsed < 2000 + DEADLINE_GRACE_MS, `answered after ${elapsed} ms`);
      await slotIsFree();
    });
  }
});

describe('without a token secret', () => {
  let bare;
  before(async () => {
    bare = await startWorker({ PACKETFS_WORKER_TOKEN: '', PACKETFS_WORKER_LOCATION: 'local' });
  });
  after(async () => bare?.stop());

  test('/health says misconfigured and /compute does nothing', async () => {
    const health = await fetch(`${bare.url}/health`);
    assert.equal(health.status, 503);
    assert.equal((await health.json()).status, 'misconfigured');
    const response = await fetch(`${bare.url}/compute`, {
      method: 'POST',
      headers: { authorization: 'Bearer ' },
      body: '{"program":{"op":"add","data":""}}',
    });
    const body = agreesWithTable({ status: response.status, body: await response.json() }).body;
    assert.equal(response.status, 500);
    assert.equal(body.error_code, 'internal');
    assert.match(body.error, /PACKETFS_WORKER_TOKEN/);
  });
});
