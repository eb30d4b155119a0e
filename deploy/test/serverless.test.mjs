// ./scripts/deploy-all --target local --serverless: the dispatcher as AWS runs it, on this machine.
// The API's and the drain's function.zip under AWS's runtime interface client in the local Lambda
// service, the API behind a function URL that checks SigV4 as AWS_IAM does, their secrets read by
// ARN from a Secrets Manager on loopback; a headless Chromium volunteer (when chromium is installed)
// on a page served as the CDN serves it, joined to the edge coordinator in workerd. The schedule is
// set to an hour, so that every job that runs here was started by a submission's drain, never by a
// tick.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { execute } from '@packetfs/kernel';
import { startOrigin } from '../../scripts/lib/loopback-origin.mjs';
import { signedFetch } from '../lib/sigv4.mjs';
import { redisCommand } from '../lib/proc.mjs';
import { cli, root } from './scripts.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'packetfs-serverless-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `pfs dashboard` on 127.0.0.1, signing each request to the function URL: the page and its data. */
async function dashboardThroughItsProxy(url, aws) {
  const child = spawn(join(root, 'scripts', 'pfs'), ['dashboard', '--aws-sigv4', '--server', url], {
    env: { ...process.env, ...aws },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  try {
    let local;
    for (let i = 0; i < 600 && !(local = /dashboard: (http:\/\/127\.0\.0\.1:\d+)\/dashboard/.exec(out)); i++)
      await sleep(100);
    assert.ok(local, `pfs dashboard did not start:\n${out}`);
    const page = await fetch(`${local[1]}/dashboard`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const metrics = await fetch(`${local[1]}/metrics`);
    assert.equal(metrics.status, 200);
    assert.ok((await metrics.json()).substrates, 'the books, through the signing proxy');
  } finally {
    process.kill(-child.pid, 'SIGINT');
  }
}

describe('--target local --serverless, end to end', () => {
  const base = 27500; // below the ephemeral range: no port-0 socket of another test can hold one
  const state = join(scratch, 'serverless');
  const url = `http://127.0.0.1:${base}`;
  const volunteers = existsSync(process.env.CHROMIUM ?? '/usr/bin/chromium') ? 1 : 0;
  const args = [
    '--target',
    'local',
    '--serverless',
    '--port-base',
    String(base),
    '--state-dir',
    state,
    '--schedule-seconds',
    '3600',
    '--volunteers',
    String(volunteers),
  ];
  let credentials;
  const call = (path, init = {}) =>
    signedFetch(`${url}${path}`, {
      credentials,
      ...init,
      headers: init.body ? { 'content-type': 'application/json' } : {},
    });
  const post = (path, body) => call(path, { method: 'POST', body: JSON.stringify(body) });
  async function resultOf(id) {
    for (let i = 0; i < 1200; i++) {
      const got = await call(`/results/${id}`);
      if (got.status === 200) return got.json();
      await sleep(100);
    }
    return undefined;
  }

  test(
    'deploy, signed jobs run at once, what AWS_IAM refuses, a second deploy that changes nothing, destroy',
    { timeout: 900_000 },
    async () => {
      const first = await cli('deploy-all', args);
      assert.equal(first.code, 0, first.out);
      assert.match(first.out, new RegExp(`^dispatcher: ${url}$`, 'm'));
      const sign = /^sign with: AWS_ACCESS_KEY_ID=(\S+) AWS_SECRET_ACCESS_KEY=(\S+) AWS_REGION=us-east-1$/m.exec(
        first.out,
      );
      assert.ok(sign, first.out);
      credentials = { accessKeyId: sign[1], secretAccessKey: sign[2] };
      assert.match(
        first.out,
        new RegExp(
          `^ {2}env AWS_ACCESS_KEY_ID=\\S+ AWS_SECRET_ACCESS_KEY=\\S+ AWS_REGION=us-east-1 ` +
            `\\./scripts/pfs dashboard --aws-sigv4 --server ${url}$`,
          'm',
        ),
        'how to reach it',
      );
      const object = new Uint8Array(8 * 1024 * 1024 + 5).map((_, i) => (i * 2654435761) >>> 24);
      const origin = await startOrigin(new Map([['obj', object]]));
      try {
        // What AWS_IAM refuses never reaches the function: unsigned, another secret, a stale date.
        assert.equal((await fetch(`${url}/health`)).status, 403);
        assert.equal(
          (await signedFetch(`${url}/health`, { credentials: { ...credentials, secretAccessKey: 'not-it' } })).status,
          403,
        );
        assert.equal(
          (await signedFetch(`${url}/health`, { credentials, date: new Date(Date.now() - 10 * 60_000) })).status,
          403,
        );
        const health = await call('/health');
        assert.equal(health.status, 200);
        assert.equal((await health.json()).queue, 'redis');

        // A job LPUSHed with redis-cli waits in Redis; the signed submission after it starts a drain,
        // whose mover takes both (no tick comes within the hour).
        const redisPort = base + 4;
        execFileSync('redis-cli', [
          '-p',
          String(redisPort),
          'LPUSH',
          'packetfs:jobs:queue',
          JSON.stringify({ job_id: 'sl-pushed', program: { op: 'crc32c', data: 'MTIzNDU2Nzg5' } }),
        ]);
        const posted = await post('/jobs', { job_id: 'sl-signed', program: { op: 'crc32c', data: 'MTIzNDU2Nzg5' } });
        assert.equal(posted.status, 202, await posted.text());
        for (const id of ['sl-signed', 'sl-pushed']) {
          const r = await resultOf(id);
          assert.equal(r?.status, 'succeeded', `${id}: ${JSON.stringify(r)}`);
          assert.equal(r.result.checksum, 3808858755);
        }

        // The drain runs each job on the substrate it names (the API knows the drain's substrates),
        // the volunteer's too: the drain leases to it through the edge coordinator.
        const substrates = ['local', 'lambda', 'flyio', 'cloudrun', 'cloudflare', ...(volunteers ? ['browser'] : [])];
        const pinned = substrates.map((s) => ({
          job_id: `sl-on-${s}`,
          substrate: s,
          public: s === 'browser',
          program: { op: 'crc32c', data: 'MTIzNDU2Nzg5' },
        }));
        if (volunteers) {
          // The page came from the runtime site, as from the CDN, and joined the Worker's coordinator.
          const workerToken = readFileSync(join(state, 'secrets/worker-token'), 'utf8').trim();
          const edge = await fetch(`http://127.0.0.1:${base + 2}/browser/stats`, {
            headers: { authorization: `Bearer ${workerToken}` },
          });
          assert.equal((await edge.json()).volunteers, volunteers);
          // A window of an object on loopback, read by the volunteer itself (its allow-list here).
          pinned.push({
            job_id: 'sl-on-browser-window',
            substrate: 'browser',
            public: true,
            program: { op: 'fnv64', data_url: origin.url('/ranged/obj'), offset: 12345, length: 65536 },
          });
        }
        const batch = await post('/jobs', pinned);
        assert.equal(batch.status, 202, await batch.text());
        for (const job of pinned) {
          const r = await resultOf(job.job_id);
          assert.equal(r?.status, 'succeeded', `${job.job_id}: ${JSON.stringify(r)}`);
          assert.equal(r.substrate, job.substrate);
          assert.deepEqual(r.result, execute(job.program, object));
        }

        // pfs signs with the printed credentials (--aws-sigv4; a *.lambda-url.* URL is signed
        // without asking); unsigned, it is refused and says how to sign.
        const aws = {
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_REGION: 'us-east-1',
        };
        const ran = await cli(
          'pfs',
          [
            'run',
            '--aws-sigv4',
            '--server',
            url,
            '--op',
            'crc32c',
            '--data-base64',
            'MTIzNDU2Nzg5',
            '--job-id',
            'sl-pfs',
            '--json',
          ],
          aws,
        );
        assert.equal(ran.code, 0, ran.out);
        assert.equal(JSON.parse(ran.out).result.checksum, 3808858755);
        const unsigned = await cli('pfs', ['result', 'sl-pfs', '--server', url]);
        assert.equal(unsigned.code, 2, unsigned.out);
        assert.match(unsigned.out, /--aws-sigv4/);
        await dashboardThroughItsProxy(url, aws);

        // A fan-out job over a loopback object, merged to the single pass.
        const fan = {
          job_id: 'sl-fanout',
          window_bytes: 1024 * 1024,
          program: { op: 'fnv64', data_url: origin.url('/ranged/obj') },
        };
        assert.equal((await post('/jobs', fan)).status, 202);
        const merged = await resultOf('sl-fanout');
        assert.equal(merged?.status, 'succeeded', JSON.stringify(merged));
        assert.equal(merged.summary.windows, 9);
        assert.deepEqual(merged.result, execute(fan.program, object));

        // Cancel: a fan-out job, its last window held back by the origin so that it is running when
        // cancelled, starts no more windows and ends saying so.
        const last = 32 * 256 * 1024;
        const held = origin.url(`/gated/${last}/ranged/obj`);
        const slow = { job_id: 'sl-cancel', window_bytes: 256 * 1024, program: { op: 'add', data_url: held } };
        assert.equal((await post('/jobs', slow)).status, 202);
        for (let i = 0; i < 600 && (await (await call('/jobs/sl-cancel')).json()).state !== 'running'; i++)
          await sleep(100);
        const cancel = await call('/jobs/sl-cancel', { method: 'DELETE' });
        origin.openGate(last);
        assert.equal(cancel.status, 202, await cancel.text());
        const cancelled = await resultOf('sl-cancel');
        assert.equal(cancelled?.status, 'failed');
        assert.match(cancelled.error, /^cancelled \(DELETE \/jobs\/sl-cancel\) after \d+ of 33 windows/);

        // A dead letter (its object's port refuses every attempt), requeued: it runs again at once.
        const refused = {
          job_id: 'sl-dead',
          program: { op: 'crc32c', data_url: `http://127.0.0.1:${base + 10}/nothing` },
        };
        assert.equal((await post('/jobs', refused)).status, 202);
        assert.equal((await resultOf('sl-dead'))?.status, 'failed');
        const letters = await (await call('/dead-letters')).json();
        const letter = letters.dead_letters.find((l) => l.job_id === 'sl-dead');
        assert.ok(letter, JSON.stringify(letters));
        const requeued = await post(`/dead-letters/${letter.id}/requeue`, {});
        assert.equal(requeued.status, 202, await requeued.text());
        for (let i = 0; i < 600; i++) {
          const again = (await (await call('/dead-letters')).json()).dead_letters.find((l) => l.job_id === 'sl-dead');
          if (again && again.id !== letter.id) break;
          assert.ok(i < 599, 'the requeued job ran again and failed again');
          await sleep(100);
        }

        // A backlog runs on two drains at once (the most here), never on more.
        let most = 0;
        const jobs = Array.from({ length: 200 }, (_, i) => ({
          job_id: `sl-backlog-${i}`,
          program: { op: 'counteq', imm: 7, data_url: origin.url('/delay/300/ranged/obj'), length: 4096 },
        }));
        assert.equal((await post('/jobs', jobs)).status, 202);
        const watching = (async () => {
          for (let i = 0; i < 3000; i++) {
            const drains = Number((await redisCommand(redisPort, 'ZCARD packetfs:drains')).slice(1));
            most = Math.max(most, drains);
            const done = Number((await redisCommand(redisPort, 'EXISTS packetfs:results:sl-backlog-199')).slice(1));
            if (done && drains === 0) return;
            await sleep(50);
          }
        })();
        for (const job of jobs) assert.equal((await resultOf(job.job_id))?.status, 'succeeded', job.job_id);
        await watching;
        assert.equal(most, 2, 'two drains held leases at once under the backlog, no more');

        const second = await cli('deploy-all', args);
        assert.equal(second.code, 0, second.out);
        assert.match(second.out, /up to date: nothing changed/);
      } finally {
        await origin.close();
        const down = await cli('destroy-all', args);
        assert.equal(down.code, 0, down.out);
        assert.match(down.out, /nothing of the local fabric is left running/);
      }
    },
  );
});
