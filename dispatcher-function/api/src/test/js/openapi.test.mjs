// docs/openapi.yaml checked by a tool nobody here wrote: Stoplight Prism's validating proxy
// (`prism proxy --errors`) in front of a real packaged dispatcher, while jobs, a batch, a fan-out
// job, a cancel, dead letters, the books and the error cases (400, 401, 404, 409, 415, 429) go
// through it. With --errors, Prism answers in the dispatcher's place as soon as a request or a
// response breaks the document (422 for a request, 500 for a response, with its findings in
// sl-violations), so every answer here must be the dispatcher's own, unflagged.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { startDispatcher, startOrigin, until } from '@packetfs/browser-runtime/test/fabric.mjs';

const root = new URL('../../../../../', import.meta.url).pathname;
const KEY = 'openapi-test-key-5c1f';
const QUOTA = 8;
const OBJECT = new Uint8Array(1024 * 1024).map((_, i) => (i * 2654435761) >>> 24);

let dispatcher;
let origin;
let prism;

/** Prism's proxy on a port of the kernel's choosing, in front of `upstream`; resolves once it listens. */
function startPrism(upstream) {
  const child = spawn(
    `${root}node_modules/.bin/prism`,
    ['proxy', `${root}docs/openapi.yaml`, upstream, '--errors', '--host', '127.0.0.1', '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SCARF_ANALYTICS: 'false', DO_NOT_TRACK: '1' } },
  );
  let log = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = new Promise((resolve, reject) => {
    const seen = (d) => {
      log += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/i.exec(log);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    exited.then((code) => reject(new Error(`prism exited with ${code}:\n${log}`)));
    setTimeout(() => reject(new Error(`prism did not start in 60 s:\n${log}`)), 60_000).unref();
  });
  return url.then((u) => ({
    url: u,
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      child.kill('SIGKILL');
    },
  }));
}

/**
 * One request through the proxy; the answer must be the dispatcher's (no finding of Prism's) and
 * have `status`. Resolves with the parsed body.
 */
async function call(method, path, { body, type = 'application/json', key = KEY, status }) {
  const headers = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = type;
  const r = await fetch(`${prism.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  const findings = r.headers.get('sl-violations');
  assert.equal(findings, null, `${method} ${path}: Prism found ${findings}\n${text}`);
  assert.equal(r.status, status, `${method} ${path}: ${r.status} ${text}`);
  return {
    headers: r.headers,
    body: text && r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
  };
}

const finished = (id) =>
  until(
    `${id} to finish`,
    async () => {
      const r = await fetch(`${dispatcher.url}/results/${id}`, { headers: { authorization: `Bearer ${KEY}` } });
      return r.status === 200;
    },
    60_000,
  );

before(async () => {
  origin = await startOrigin(new Map([['obj', OBJECT]]));
  dispatcher = await startDispatcher({
    PACKETFS_API_KEY: KEY,
    PACKETFS_QUEUE_MAX_JOBS: String(QUOTA),
    PACKETFS_DISPATCH_INITIAL_BACKOFF: '20ms',
    PACKETFS_DISPATCH_MAX_BACKOFF: '50ms',
  });
  prism = await startPrism(dispatcher.url);
});

after(async () => {
  await prism?.stop();
  await dispatcher?.stop();
  await origin?.close();
});

test('jobs, a batch and their results', async () => {
  await call('GET', '/health', { key: null, status: 200 });
  const one = await call('POST', '/jobs', {
    body: { job_id: 'oa-1', program: { op: 'crc32c', data: 'MTIzNDU2Nzg5' } },
    status: 202,
  });
  assert.deepEqual(one.body, { job_id: 'oa-1', queued: true });
  const batch = await call('POST', '/jobs', {
    body: [
      { job_id: 'oa-2', program: { op: 'fnv64', data: 'YQ==' } },
      {
        job_id: 'oa-3',
        program: { op: 'counteq', imm: 7, data_url: origin.url('/ranged/obj'), offset: 3, length: 999 },
      },
    ],
    status: 202,
  });
  assert.equal(batch.body.length, 2);
  for (const id of ['oa-1', 'oa-2', 'oa-3']) await finished(id);
  const result = await call('GET', '/results/oa-1', { status: 200 });
  assert.equal(result.body.result.checksum, 3808858755);
  await call('GET', '/results/oa-3', { status: 200 });
  await call('GET', '/jobs/oa-2', { status: 200 });
  // Submitted again: known, not queued.
  const again = await call('POST', '/jobs', {
    body: { job_id: 'oa-1', program: { op: 'add', data: 'AA==' } },
    status: 202,
  });
  assert.equal(again.body.queued, false);
});

test('a fan-out job: its progress while it runs, cancelled, and one merged', async () => {
  const last = 3 * 256 * 1024;
  const held = {
    job_id: 'oa-fan-held',
    window_bytes: 256 * 1024,
    program: { op: 'add', data_url: origin.url(`/gated/${last}/ranged/obj`) },
  };
  await call('POST', '/jobs', { body: held, status: 202 });
  const running = await until(
    'the fan-out job to run',
    async () => {
      const r = await call('GET', '/jobs/oa-fan-held', { status: 200 });
      return r.body.fanout?.windows_done >= 1 ? r.body : null;
    },
    60_000,
  );
  assert.equal(running.fanout.windows, 4);
  await call('GET', '/results/oa-fan-held', { status: 202 });
  await call('GET', '/metrics', { status: 200 }); // with the fan-out job in progress
  const cancelled = await call('DELETE', '/jobs/oa-fan-held', { status: 202 });
  assert.equal(cancelled.body.state, 'cancelling');
  origin.openGate(last);
  await finished('oa-fan-held');
  await call('GET', '/results/oa-fan-held', { status: 200 });
  await call('DELETE', '/jobs/oa-fan-held', { status: 409 });

  const whole = {
    job_id: 'oa-fan',
    window_bytes: 128 * 1024,
    program: { op: 'crc32c', data_url: origin.url('/ranged/obj') },
  };
  await call('POST', '/jobs', { body: whole, status: 202 });
  await finished('oa-fan');
  const merged = await call('GET', '/results/oa-fan', { status: 200 });
  assert.equal(merged.body.summary.windows, 8);
  await call('GET', '/jobs/oa-fan', { status: 200 });
});

test('dead letters: listed, requeued, and one that is not there', async () => {
  await call('POST', '/jobs', {
    body: { job_id: 'oa-dead', program: { op: 'xor', data_url: origin.url('/status/503') } },
    status: 202,
  });
  await finished('oa-dead');
  const letters = await until(
    'the dead letter',
    async () => {
      const r = await call('GET', '/dead-letters?limit=10', { status: 200 });
      return r.body.dead_letters.find((l) => l.job_id === 'oa-dead') ? r.body : null;
    },
    60_000,
  );
  const letter = letters.dead_letters.find((l) => l.job_id === 'oa-dead');
  await call('POST', `/dead-letters/${letter.id}/requeue`, { body: {}, status: 202 });
  // It fails again; until then it holds a place in the queue's quota, which a later test fills.
  await finished('oa-dead');
  await call('POST', '/dead-letters/1-1/requeue', { body: {}, status: 404 });
  await call('GET', '/dead-letters?limit=0', { status: 400 });
});

test('the books, with and without their series', async () => {
  const m = await call('GET', '/metrics', { status: 200 });
  assert.ok(m.body.substrates.local.jobs > 0);
  const series = await call('GET', '/metrics?range=15m', { status: 200 });
  assert.equal(series.body.series.t.length, 90);
});

test('the error cases: 400, 401, 404, 409, 415, 429', async () => {
  const bad = await call('POST', '/jobs', {
    body: { program: { op: 'add', data: 'AA==' }, substrate: 'mainframe' },
    status: 400,
  });
  assert.equal(bad.body.field, 'substrate');
  const wrong = await call('GET', '/metrics', { key: 'not-the-key', status: 401 });
  assert.equal(wrong.headers.get('www-authenticate'), 'Bearer');
  await call('GET', '/jobs/no-such-job', { status: 404 });
  await call('GET', '/results/no-such-job', { status: 404 });
  await call('DELETE', '/jobs/no-such-job', { status: 404 });
  await call('DELETE', '/jobs/oa-1', { status: 409 });
  await call('POST', '/jobs', { body: 'job_id=x', type: 'text/plain', status: 415 });
  // The queue's quota: jobs held by their origin fill it; one more is refused whole.
  const gate = 7777;
  const held = Array.from({ length: QUOTA }, (_, i) => ({
    job_id: `oa-quota-${i}`,
    program: { op: 'add', data_url: origin.url(`/gated/${gate}/ranged/obj`), offset: gate, length: 16 },
  }));
  await call('POST', '/jobs', { body: held, status: 202 });
  const full = await call('POST', '/jobs', { body: { program: { op: 'add', data: 'AA==' } }, status: 429 });
  assert.equal(full.headers.get('retry-after'), '5');
  origin.openGate(gate);
  for (const job of held) await finished(job.job_id);
});
