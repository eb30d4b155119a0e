// The volunteer coordinator (src/coordinator.mjs) in workerd, its Durable Objects included: real
// WebSockets from volunteers that speak docs/volunteer-protocol.md, leases from a "dispatcher" over
// HTTP with the worker token. Each test's volunteers connect from addresses of their own (the
// CF-Connecting-IP header, which Cloudflare's edge sets and Miniflare passes on), so that the
// per-address cap of one test never meets another's, and so that a test can put a volunteer in the
// shard it wants.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { originAllowed, shardOf } from '../src/coordinator-rules.mjs';
import { volunteer as connect } from './volunteer.mjs';
import { startWorker } from './workerd.mjs';

const TOKEN = 'coordinator-test-token-0123456789';
const SHARDS = 2;
const PER_ADDRESS = 3;
const FLOOD = 50;
let worker;
let nextAddress = 1;

/** A fresh address in shard `shard`. */
function addressIn(shard) {
  for (;;) {
    const address = `10.0.${nextAddress >> 8}.${nextAddress++ & 255}`;
    if (shardOf(address, SHARDS) === shard) return address;
  }
}

/** A volunteer of this test's worker, from a fresh address in shard 0 unless told otherwise. */
function volunteer({ address = addressIn(0), ...options } = {}) {
  return connect(worker.url, { address, ...options });
}

/** Closes these volunteers and waits until each close is through. */
async function leave(...volunteers) {
  for (const v of volunteers) v.ws.close();
  await Promise.all(volunteers.map((v) => v.closed));
}

const checksumOf = (lease) => ({
  type: 'result',
  lease: lease.lease,
  result: { checksum: 3808858755, bytes_processed: 9 },
});
const PROGRAM = { op: 'crc32c', imm: 0, data: 'MTIzNDU2Nzg5', offset: 0 };

async function lease(body, { token = TOKEN } = {}) {
  const response = await fetch(`${worker.url}/browser/lease`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function dispatcher(path, { method = 'GET', body, token = TOKEN } = {}) {
  const response = await fetch(`${worker.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** Stats once `ready(stats)` holds (a volunteer's hello and close reach its shard asynchronously). */
async function statsWhen(ready) {
  for (let i = 0; i < 200; i++) {
    const { body } = await dispatcher('/browser/stats');
    if (ready(body)) return body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the stats never got there');
}

before(async () => {
  worker = await startWorker({
    PACKETFS_WORKER_TOKEN: TOKEN,
    PACKETFS_FETCH_ALLOW_HOSTS: '127.0.0.1',
    PACKETFS_FETCH_DOH_URL: '',
    PACKETFS_BROWSER_SHARDS: SHARDS,
    PACKETFS_BROWSER_MAX_CONNECTIONS_PER_ADDRESS: PER_ADDRESS,
    PACKETFS_BROWSER_MAX_MESSAGES_PER_SECOND: FLOOD,
    PACKETFS_BROWSER_ALLOWED_ORIGINS: 'https://pages.example',
  });
});

after(async () => {
  await worker?.stop();
});

describe('joining', () => {
  test('a volunteer is welcomed with its node id and its slots, clamped to 1..4', async () => {
    const many = volunteer({ concurrency: 99 });
    const none = volunteer({ concurrency: 0 });
    const [a, b] = await Promise.all([many.welcome, none.welcome]);
    assert.equal(a.concurrency, 4);
    assert.equal(b.concurrency, 1);
    assert.match(a.node, /^0\.[0-9a-f]{16}$/);
    assert.notEqual(a.node, b.node);
    await leave(many, none);
  });

  test('pages of this worker, of an allowed origin, and programs without an Origin may join; others get 403', async () => {
    const own = volunteer({ origin: worker.url });
    const listed = volunteer({ origin: 'https://pages.example' });
    const program = volunteer();
    await Promise.all([own.welcome, listed.welcome, program.welcome]);
    const stranger = volunteer({ origin: 'https://elsewhere.example' });
    await assert.rejects(stranger.opened, /HTTP 403/);
    await leave(own, listed, program);
  });

  test('origin rules match the dispatcher: host equality, the list (case-insensitive), or *', () => {
    assert.ok(originAllowed('http://w.example:8787', 'w.example:8787', []));
    assert.ok(!originAllowed('http://w.example:8788', 'w.example:8787', []));
    assert.ok(originAllowed('HTTPS://Pages.Example', 'w.example', ['https://pages.example']));
    assert.ok(originAllowed('https://any.example', 'w.example', ['*']));
    assert.ok(!originAllowed('not a url', 'w.example', ['*']));
  });

  test(`an address holds at most ${PER_ADDRESS} connections: the next is closed with 1008`, async () => {
    const address = addressIn(1);
    const admitted = Array.from({ length: PER_ADDRESS }, () => volunteer({ address }));
    await Promise.all(admitted.map((v) => v.welcome));
    const extra = volunteer({ address });
    const { code, reason } = await extra.closed;
    assert.equal(code, 1008);
    assert.match(reason, /more than 3 connections from one address/);
    await leave(admitted[0]);
    // A slot freed is a slot to take again.
    const again = volunteer({ address });
    await again.welcome;
    await leave(...admitted.slice(1), again);
  });
});

describe('leasing', () => {
  test('a lease reaches a free volunteer and its answer comes back with the node and its address', async () => {
    const v = volunteer({ address: addressIn(1), answer: checksumOf });
    const { node } = await v.welcome;
    const r = await lease({ program: PROGRAM, deadline_ms: 10_000 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const { billed, ...answer } = r.body;
    assert.deepEqual(answer, { node, address: v.address, result: { checksum: 3808858755, bytes_processed: 9 } });
    assert.equal(billed.requests, 1);
    assert.deepEqual(v.leases[0].program, PROGRAM);
    assert.ok(v.leases[0].deadline_ms > 0 && v.leases[0].deadline_ms <= 10_000);
    await leave(v);
  });

  test("a volunteer's error is relayed with its code; trust is the dispatcher's to decide", async () => {
    const v = volunteer({
      answer: (l) => ({ type: 'error', lease: l.lease, error: 'answered HTTP 404', error_code: 'origin_rejected' }),
    });
    const { node } = await v.welcome;
    const r = await lease({ program: PROGRAM, deadline_ms: 10_000 });
    assert.equal(r.status, 200);
    assert.equal(r.body.node, node);
    assert.equal(r.body.error_code, 'origin_rejected');
    assert.match(r.body.error, /answered HTTP 404/);
    await leave(v);
  });

  test('without a free volunteer a lease is 429 busy; excluded nodes and addresses are not free', async () => {
    assert.equal((await lease({ program: PROGRAM, deadline_ms: 1000 })).status, 429);
    const v = volunteer({ answer: checksumOf });
    const { node } = await v.welcome;
    assert.equal((await lease({ program: PROGRAM, deadline_ms: 1000, exclude_nodes: [node] })).status, 429);
    assert.equal((await lease({ program: PROGRAM, deadline_ms: 1000, exclude_addresses: [v.address] })).status, 429);
    assert.equal((await lease({ program: PROGRAM, deadline_ms: 1000 })).status, 200);
    await leave(v);
  });

  test('a volunteer holds as many leases as its slots, no more', async () => {
    const held = [];
    const v = volunteer({ concurrency: 2, answer: (l) => void held.push(l) });
    await v.welcome;
    const first = lease({ program: PROGRAM, deadline_ms: 10_000 });
    const second = lease({ program: PROGRAM, deadline_ms: 10_000 });
    await statsWhen((s) => s.busy === 2);
    assert.equal((await lease({ program: PROGRAM, deadline_ms: 1000 })).status, 429);
    for (const l of held) v.ws.send(JSON.stringify(checksumOf(l)));
    assert.deepEqual([(await first).status, (await second).status], [200, 200]);
    await leave(v);
  });

  test('a spot check goes to the node it names, even with its slots taken; a gone node is 502', async () => {
    const held = [];
    const v = volunteer({ address: addressIn(1), answer: (l) => void held.push(l) });
    const { node } = await v.welcome;
    const first = lease({ program: PROGRAM, deadline_ms: 10_000 });
    await statsWhen((s) => s.busy === 1);
    const check = lease({ program: PROGRAM, deadline_ms: 10_000, node });
    await statsWhen((s) => s.busy === 2);
    for (const l of held) v.ws.send(JSON.stringify(checksumOf(l)));
    for (const r of [await first, await check]) {
      assert.equal(r.status, 200);
      assert.equal(r.body.node, node);
    }
    await leave(v);
    const gone = await lease({ program: PROGRAM, deadline_ms: 1000, node });
    assert.equal(gone.status, 502);
    assert.equal(gone.body.error_code, 'volunteer_left');
    assert.equal((await lease({ program: PROGRAM, deadline_ms: 1000, node: 'not-a-node' })).status, 400);
  });

  test("a lease says what Cloudflare bills for it: the Worker's request, each shard asked, the answer, the time awake", async () => {
    const v = volunteer({
      address: addressIn(0),
      answer: (l) => void setTimeout(() => v.ws.send(JSON.stringify(checksumOf(l))), 300),
    });
    await v.welcome;
    const r = await lease({ program: PROGRAM, deadline_ms: 10_000 });
    assert.equal(r.status, 200);
    const { requests, do_requests: objects, do_gb_seconds: gbs } = r.body.billed;
    assert.equal(requests, 1);
    assert.ok([1.05, 2.05].includes(objects), `one or both shards asked, and one answer message: ${objects}`);
    assert.ok(gbs >= 0.128 * 0.3 && gbs < 0.128 * 10, `128 MB for at least the 300 ms the answer took: ${gbs}`);
    await leave(v);
    const none = await lease({ program: PROGRAM, deadline_ms: 1000 });
    assert.equal(none.status, 429);
    assert.equal(none.body.error_code, 'busy');
    assert.equal(none.body.billed.do_requests, SHARDS, 'every shard was asked');
  });

  test('a lease not answered by its deadline ends with 504 timeout', async () => {
    const v = volunteer();
    await v.welcome;
    const r = await lease({ program: PROGRAM, deadline_ms: 300 });
    assert.equal(r.status, 504);
    assert.equal(r.body.error_code, 'timeout');
    await leave(v);
  });

  test('a volunteer that leaves mid-lease ends it at once: 502 volunteer_left', async () => {
    const v = volunteer({ answer: () => void v.ws.terminate() });
    await v.welcome;
    const r = await lease({ program: PROGRAM, deadline_ms: 30_000 });
    assert.equal(r.status, 502);
    assert.equal(r.body.error_code, 'volunteer_left');
  });

  test('the two shards share the volunteers, and a lease finds a free one in either', async () => {
    const zero = volunteer({ address: addressIn(0), answer: checksumOf });
    const one = volunteer({ address: addressIn(1), answer: checksumOf });
    const nodes = [(await zero.welcome).node, (await one.welcome).node];
    assert.deepEqual(
      nodes.map((n) => n.split('.')[0]),
      ['0', '1'],
    );
    const stats = await statsWhen((s) => s.volunteers === 2);
    assert.deepEqual(
      stats.shards.map((s) => s.volunteers),
      [1, 1],
    );
    for (const excluded of nodes) {
      const r = await lease({ program: PROGRAM, deadline_ms: 5000, exclude_nodes: [excluded] });
      assert.equal(r.status, 200);
      assert.equal(
        r.body.node,
        nodes.find((n) => n !== excluded),
      );
    }
    await leave(zero, one);
  });
});

describe('hibernation', () => {
  test('an object that hibernates and wakes keeps its volunteers, their ids and slots', async () => {
    const v = volunteer({ address: addressIn(1), concurrency: 2, answer: checksumOf });
    const { node } = await v.welcome;
    const asleep = await statsWhen((s) => s.shards[1].volunteers === 1);
    // workerd evicts an object that has been idle for 10 s and holds only hibernatable sockets;
    // nothing may reach the shard meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    const awake = (await dispatcher('/browser/stats')).body.shards[1];
    assert.notEqual(awake.incarnation, asleep.shards[1].incarnation, 'the object was evicted and made again');
    assert.deepEqual([awake.volunteers, awake.slots], [1, 2]);
    const r = await lease({ program: PROGRAM, deadline_ms: 5000 });
    assert.equal(r.status, 200);
    assert.equal(r.body.node, node);
    await leave(v);
  });
});

describe('the dispatcher', () => {
  test('a lease, a close or the stats without the worker token are refused with 401', async () => {
    assert.equal((await lease({ program: PROGRAM, deadline_ms: 1000 }, { token: null })).status, 401);
    assert.equal(
      (await lease({ program: PROGRAM, deadline_ms: 1000 }, { token: 'wrong-token-0123456789' })).status,
      401,
    );
    assert.equal((await dispatcher('/browser/stats', { token: null })).status, 401);
    const closing = await dispatcher('/browser/close', {
      method: 'POST',
      body: { node: '0.0123456789abcdef' },
      token: null,
    });
    assert.equal(closing.status, 401);
  });

  test('bad leases are 400 with what is wrong', async () => {
    for (const [body, wrong] of [
      [{ program: PROGRAM }, /deadline_ms/],
      [{ program: PROGRAM, deadline_ms: 60_001 }, /deadline_ms/],
      [{ program: 'crc32c', deadline_ms: 1000 }, /program/],
      [{ program: PROGRAM, deadline_ms: 1000, exclude_nodes: 'n' }, /exclude_nodes/],
    ]) {
      const r = await lease(body);
      assert.equal(r.status, 400);
      assert.match(r.body.error, wrong);
    }
  });

  test('a liar is closed with 1008 when the dispatcher says so, and its leases end', async () => {
    const v = volunteer();
    const { node } = await v.welcome;
    const pending = lease({ program: PROGRAM, deadline_ms: 30_000 });
    await statsWhen((s) => s.busy === 1);
    const r = await dispatcher('/browser/close', { method: 'POST', body: { node } });
    assert.deepEqual(r, { status: 200, body: { closed: true } });
    assert.deepEqual(await v.closed, { code: 1008, reason: 'a result failed verification' });
    const ended = await pending;
    assert.equal(ended.status, 502);
    assert.equal(ended.body.error_code, 'volunteer_left');
    assert.equal((await dispatcher('/browser/close', { method: 'POST', body: { node: 'nobody' } })).status, 400);
  });
});

describe('what closes a connection', () => {
  const cases = [
    ['a message that is not JSON', (ws) => ws.send('hello?'), 1003, /messages are JSON/],
    ['a binary message', (ws) => ws.send(Buffer.from('{}')), 1003, /messages are JSON/],
    ['an unknown type', (ws) => ws.send(JSON.stringify({ type: 'gossip' })), 1008, /unknown message type gossip/],
    ['a second hello', (ws) => ws.send(JSON.stringify({ type: 'hello', version: 1 })), 1008, /said hello twice/],
    ['a message over 64 KiB', (ws) => ws.send(JSON.stringify({ type: 'x', pad: 'x'.repeat(70_000) })), 1009, /64 KiB/],
  ];
  for (const [what, send, code, reason] of cases) {
    test(`${what}: ${code}`, async () => {
      const v = volunteer();
      await v.welcome;
      send(v.ws);
      const closed = await v.closed;
      assert.equal(closed.code, code);
      assert.match(closed.reason, reason);
    });
  }

  test(`more than ${FLOOD} unsolicited messages in a second: 1008, and answers to its own leases do not count`, async () => {
    const v = volunteer({ answer: checksumOf });
    await v.welcome;
    for (let i = 0; i < 3 * FLOOD; i++)
      assert.equal((await lease({ program: PROGRAM, deadline_ms: 5000 })).status, 200);
    // The limit counts per second of the shard's clock: keep flooding until it cuts the volunteer
    // off, whichever second the first messages fall in (bounded: 40 bursts).
    let cut = false;
    v.closed.then(() => (cut = true));
    for (let burst = 0; burst < 40 && !cut; burst++) {
      for (let i = 0; i <= FLOOD; i++) v.ws.send(JSON.stringify({ type: 'result', lease: 'not-yours', result: {} }));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const closed = await v.closed;
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /unsolicited messages a second/);
  });
});
