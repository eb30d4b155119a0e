// Volunteer browsers as a substrate, end to end: real Chromium pages running the runtime, jobs
// submitted over HTTP and pinned to `browser`, results read back. The same suite runs against both
// coordinators (volunteers.test.mjs: the dispatcher's own /browser; volunteers-edge.test.mjs: the
// Worker's Durable Objects in workerd, the pages served as the CDN serves them).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { execute } from '@packetfs/kernel';
import { inlined, vectors } from '@packetfs/kernel/test/vectors.mjs';
import { launchChromium, startFabric, startOrigin, volunteer } from './fabric.mjs';

const OPS = ['counteq', 'crc32c', 'fnv64', 'xor', 'add'];

/** The suite, its volunteers joining `coordinator` ('dispatcher' or 'edge'). */
export function volunteerSuite(coordinator) {
  const objects = new Map();
  let dispatcher;
  let origin;
  let chromium;

  function bytes(seed, size) {
    const b = new Uint8Array(size);
    let x = seed | 1;
    for (let i = 0; i < size; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[i] = x & 0xff;
    }
    return b;
  }

  /** A public job pinned to browsers, and the answer the kernel gives for it here in Node. */
  function job(n, { slowMs = 0 } = {}) {
    const op = OPS[n % OPS.length];
    const imm = (n * 37) % 256;
    if (n % 3 === 0 && slowMs === 0) {
      const data = bytes(n + 1, 1 + ((n * 7919) % 4096));
      const program = { op, imm, data: Buffer.from(data).toString('base64') };
      return { job: { public: true, substrate: 'browser', program }, expected: execute(program) };
    }
    const name = `obj${n % 4}`;
    const object = objects.get(name);
    const offset = (n * 104729) % object.length;
    const length = 1 + ((n * 15485863) % (64 * 1024));
    const path = slowMs ? `/delay/${slowMs}/ranged/${name}` : `/ranged/${name}`;
    const program = { op, imm, data_url: origin.url(path), offset, length };
    return { job: { public: true, substrate: 'browser', program }, expected: execute(program, object) };
  }

  async function runAll(jobs) {
    const ids = [];
    for (const j of jobs) ids.push(await dispatcher.submit(j.job));
    return Promise.all(ids.map((id) => dispatcher.awaitResult(id, 120_000)));
  }

  before(async () => {
    for (let i = 0; i < 4; i++) objects.set(`obj${i}`, bytes(1000 + i, 1 << 20));
    origin = await startOrigin(objects);
    dispatcher = await startFabric(coordinator);
    chromium = await launchChromium();
  });

  after(async () => {
    await chromium?.close();
    await dispatcher?.stop();
    await origin?.close();
  });

  describe('volunteer browsers', () => {
    test('three pages join and run 500 jobs; every stored result is correct', async () => {
      const pages = [];
      for (let i = 0; i < 3; i++) pages.push(await volunteer(chromium.context, dispatcher.pages));
      const jobs = Array.from({ length: 500 }, (_, n) => job(n));
      const results = await runAll(jobs);
      results.forEach((r, n) => {
        assert.equal(r.status, 'succeeded', JSON.stringify(r));
        assert.equal(r.substrate, 'browser');
        assert.deepEqual(r.result, jobs[n].expected, `job ${n}: ${JSON.stringify(jobs[n].job.program).slice(0, 120)}`);
      });
      const computed = await Promise.all(pages.map((p) => p.evaluate(() => window.packetfs.computed)));
      assert.ok(
        computed.every((c) => c > 0),
        `every page computed: ${computed}`,
      );
      const m = await dispatcher.browserMetrics();
      assert.ok(m.quorums > 0, 'new pages were checked against each other');
      assert.equal(m.caught, 0, 'no honest page was accused');
      await Promise.all(pages.map((p) => p.close()));
    });

    test('a page closed mid-job: its leases run on another page', async () => {
      const pages = [];
      for (let i = 0; i < 3; i++) pages.push(await volunteer(chromium.context, dispatcher.pages));
      const before = await dispatcher.browserMetrics();
      // Windows from a slow origin keep leases in flight long enough to close a page under them.
      const jobs = Array.from({ length: 36 }, (_, n) => job(n + 1, { slowMs: 400 }));
      const ids = [];
      for (const j of jobs) ids.push(await dispatcher.submit(j.job));
      await pages[0].waitForFunction(() => window.packetfs.idle.length < window.packetfs.workers.length, null, {
        timeout: 30_000,
      });
      await pages[0].close();
      const results = await Promise.all(ids.map((id) => dispatcher.awaitResult(id, 120_000)));
      results.forEach((r, n) => {
        assert.equal(r.status, 'succeeded', JSON.stringify(r));
        assert.deepEqual(r.result, jobs[n].expected, `job ${n}`);
      });
      const m = await dispatcher.browserMetrics();
      assert.ok(
        m.releases > before.releases,
        `leases of the closed page were handed on (${before.releases} → ${m.releases})`,
      );
      await Promise.all(pages.slice(1).map((p) => p.close()));
    });

    test('a page that corrupts results is caught, dropped, and no wrong result is stored', async () => {
      const honest = [
        await volunteer(chromium.context, dispatcher.pages),
        await volunteer(chromium.context, dispatcher.pages),
      ];
      // A page of the volunteer pages' origin (so the Origin check lets it in) that speaks the
      // coordinator's protocol itself and answers every lease with a result one off.
      const liar = await chromium.context.newPage();
      await liar.goto(dispatcher.samePage);
      await liar.evaluate(
        async ({ kernel, coordinator }) => {
          const { execute } = await import(kernel);
          window.closeCode = null;
          window.answered = 0;
          const socket = new WebSocket(coordinator);
          socket.onopen = () =>
            socket.send(JSON.stringify({ type: 'hello', capabilities: { concurrency: 4, ua_class: 'liar' } }));
          socket.onmessage = (event) => {
            const m = JSON.parse(event.data);
            if (m.type !== 'lease') return;
            const program = m.program.data_url ? { ...m.program, data_url: undefined, data: '' } : m.program;
            const result = execute(program);
            const field = Object.keys(result).find((k) => k !== 'bytes_processed');
            result[field] = typeof result[field] === 'number' ? result[field] + 1 : '0000000000000000';
            window.answered++;
            socket.send(JSON.stringify({ type: 'result', lease: m.lease, result }));
          };
          socket.onclose = (event) => {
            window.closeCode = event.code;
          };
          await new Promise((resolve) => {
            socket.addEventListener('message', resolve, { once: true });
          });
        },
        { kernel: dispatcher.kernel, coordinator: dispatcher.coordinator },
      );
      const jobs = Array.from({ length: 200 }, (_, n) => job(n + 1000));
      const results = await runAll(jobs);
      results.forEach((r, n) => assert.deepEqual(r.result, jobs[n].expected, `job ${n}: a wrong result was stored`));
      assert.ok((await liar.evaluate(() => window.answered)) > 0, 'the liar was given work');
      assert.equal(await liar.evaluate(() => window.closeCode), 1008, 'the liar was disconnected');
      const m = await dispatcher.browserMetrics();
      assert.ok(m.caught >= 1);
      const stillUp = await Promise.all(honest.map((p) => p.evaluate(() => window.packetfs.state)));
      assert.deepEqual(stillUp, ['connected', 'connected']);
      await Promise.all([...honest, liar].map((p) => p.close()));
    });
  });

  describe('volunteers and private networks', () => {
    // The operator's setup that once sent volunteers to loopback: the trusted substrates may fetch
    // from 127.0.0.1, the volunteers have no allow-list of their own.
    let guarded;
    before(async () => {
      guarded = await startFabric(coordinator, { PACKETFS_BROWSER_ALLOW_HOSTS: '' });
    });
    after(async () => {
      await guarded?.stop();
    });

    /** A volunteer scripted in Node: says hello and records every lease it is sent, answering none. */
    const scripted = () =>
      new Promise((resolve, reject) => {
        const leases = [];
        const socket = new WebSocket(guarded.coordinator);
        socket.on('open', () =>
          socket.send(JSON.stringify({ type: 'hello', capabilities: { concurrency: 4, ua_class: 'script' } })),
        );
        socket.on('message', (data) => {
          const m = JSON.parse(data);
          if (m.type === 'welcome') resolve({ leases, close: () => socket.close() });
          if (m.type === 'lease') leases.push(m);
        });
        socket.on('error', reject);
      });

    test('a loopback data_url never reaches a volunteer: pinned it fails naming the rule, auto it runs on a trusted substrate', async () => {
      const page = await volunteer(chromium.context, guarded.pages);
      const script = await scripted();
      const program = { op: 'crc32c', data_url: origin.url('/ranged/obj0'), offset: 17, length: 4096 };
      const pinned = await guarded.awaitResult(await guarded.submit({ public: true, substrate: 'browser', program }));
      assert.equal(pinned.status, 'failed', JSON.stringify(pinned));
      assert.match(pinned.error, /127\.0\.0\.0\/8, loopback/);
      assert.match(pinned.error, /volunteers are never sent/);
      const auto = await guarded.awaitResult(await guarded.submit({ public: true, program }));
      assert.equal(auto.status, 'succeeded', JSON.stringify(auto));
      assert.equal(auto.substrate, 'local');
      assert.deepEqual(auto.result, execute(program, objects.get('obj0')));
      assert.deepEqual(script.leases, [], 'the scripted volunteer was sent nothing');
      assert.equal(await page.evaluate(() => window.packetfs.computed), 0, 'the page computed nothing');
      const m = await guarded.browserMetrics();
      assert.equal(m.leases, 0);
      assert.ok(m.refused >= 1, `refusals counted: ${JSON.stringify(m)}`);
      script.close();
      await page.close();
    });
  });

  describe("the coordinator's door", () => {
    const handshake = (headers) =>
      new Promise((resolve) => {
        const socket = new WebSocket(dispatcher.coordinator, { headers });
        socket.on('open', () => {
          socket.close();
          resolve(101);
        });
        socket.on('unexpected-response', (request, response) => resolve(response.statusCode));
        socket.on('error', () => resolve('error'));
      });

    test('a page from a foreign origin is refused; the volunteer pages and programs are let in', async () => {
      assert.equal(await handshake({ origin: 'https://evil.example' }), 403);
      assert.equal(await handshake({ origin: dispatcher.pagesOrigin }), 101);
      assert.equal(await handshake({}), 101);
    });

    test('a volunteer that floods or sends garbage is disconnected', async () => {
      const closed = (messages) =>
        new Promise((resolve) => {
          const socket = new WebSocket(dispatcher.coordinator);
          socket.on('open', () => messages.forEach((m) => socket.send(m)));
          socket.on('close', (code) => resolve(code));
        });
      assert.equal(await closed(['this is not JSON']), 1003);
      assert.equal(await closed(Array.from({ length: 300 }, () => '{"type":"result","lease":"none"}')), 1008);
      // Over the 64 KiB message limit: Vert.x drops the connection (1009 or, without a close frame, 1006).
      assert.ok([1006, 1009].includes(await closed(['x'.repeat(70 * 1024)])));
    });
  });

  describe('the Service Worker', () => {
    test('/execute passes the kernel vectors', async () => {
      const page = await chromium.context.newPage();
      await page.goto(dispatcher.pages);
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
      const health = await page.evaluate(async () => (await fetch('health')).json());
      assert.deepEqual(health.ops, OPS);
      // The cases travel in batches of bounded size; the page posts each to the Service Worker.
      let batch = [];
      let size = 0;
      let checked = 0;
      const flush = async () => {
        const answers = await page.evaluate(
          async (programs) =>
            Promise.all(
              programs.map(async (p) => {
                const r = await fetch('execute', { method: 'POST', body: JSON.stringify(p) });
                return { status: r.status, body: await r.json() };
              }),
            ),
          batch.map((b) => b.program),
        );
        answers.forEach((a, i) => {
          assert.equal(a.status, 200, `${batch[i].name}: ${JSON.stringify(a.body)}`);
          assert.deepEqual(a.body, batch[i].expected, batch[i].name);
        });
        checked += batch.length;
        batch = [];
        size = 0;
      };
      for (const c of vectors.cases) {
        const program = inlined(c);
        batch.push({ name: c.name, program, expected: c.expected });
        size += program.data?.length ?? 0;
        if (batch.length >= 200 || size > 8 << 20) await flush();
      }
      if (batch.length) await flush();
      assert.equal(checked, vectors.cases.length);
      const bad = await page.evaluate(async () => {
        const r = await fetch('execute', { method: 'POST', body: '{"op":"sha1","data":""}' });
        return { status: r.status, body: await r.json() };
      });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error, /^op:/);
      await page.close();
    });
  });
}
