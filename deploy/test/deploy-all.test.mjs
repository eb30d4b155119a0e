// deploy-all and destroy-all, run as a user runs them. The local target end to end with every
// real artifact; the plans of every target; the aws target's order and its handling of the worker
// token, with recording stand-ins for the cloud CLIs (fake-cli.mjs; no cloud account here);
// bad configuration refused before anything starts.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { execute } from '@packetfs/kernel';
import { startOrigin } from '../../scripts/lib/loopback-origin.mjs';
import { cli, root } from './scripts.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'packetfs-deploy-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

function listening(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

describe('bad configuration is refused, and nothing is started', () => {
  test('an unknown target', async () => {
    const { code, out } = await cli('deploy-all', ['--target', 'mars']);
    assert.equal(code, 2);
    assert.match(out, /unknown target 'mars': one of aws, local, localstack/);
  });

  test('--only naming nothing known', async () => {
    const { code, out } = await cli('deploy-all', [
      '--target',
      'local',
      '--only',
      'redis,teleporter',
      '--state-dir',
      join(scratch, 'only'),
    ]);
    assert.equal(code, 1);
    assert.match(
      out,
      /unknown part\(s\) teleporter; this target's parts are redis, lambda, flyio, cloudrun, cloudflare, dispatcher, browsers/,
    );
    assert.equal(existsSync(join(scratch, 'only', 'state.json')), false);
  });

  test('a port already taken', async () => {
    // Held by this test for its whole length: the port cannot be taken back by anyone between.
    const server = createServer();
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const taken = server.address().port;
    try {
      const state = join(scratch, 'taken');
      const { code, out } = await cli('deploy-all', [
        '--target',
        'local',
        '--port-base',
        String(taken - 4),
        '--state-dir',
        state,
      ]);
      assert.equal(code, 1, out);
      assert.match(out, new RegExp(`${taken} \\(redis\\)`));
      assert.match(out, /nothing was started/);
      assert.equal(existsSync(join(state, 'state.json')), false, 'no step recorded');
    } finally {
      server.close();
    }
  });

  test('no AWS credentials: that part stops, saying how to fix it', async () => {
    const bin = mkdtempSync(join(scratch, 'bin-'));
    const fake = join(bin, 'aws');
    writeFileSync(
      fake,
      '#!/bin/sh\necho "Unable to locate credentials. You can configure credentials by running aws configure." >&2\nexit 253\n',
    );
    chmodSync(fake, 0o755);
    const state = join(scratch, 'nocreds');
    const { code, out } = await cli('deploy-all', ['--target', 'aws', '--only', 'worker', '--state-dir', state], {
      PATH: `${bin}:${process.env.PATH}`,
      AWS_ACCESS_KEY_ID: '',
      AWS_PROFILE: '',
    });
    assert.equal(code, 1, out);
    assert.match(out, /✗ worker: no AWS credentials: run `aws configure`/);
    assert.match(out, /not deployed, for want of a prerequisite: worker/);
    assert.doesNotMatch(out, /→ worker/);
  });
});

describe('--dry-run prints the plan and touches nothing', () => {
  test('local: every step in order, with its ports', async () => {
    const state = join(scratch, 'dry-local');
    const { code, out } = await cli('deploy-all', [
      '--target',
      'local',
      '--dry-run',
      '--port-base',
      '27580',
      '--state-dir',
      state,
    ]);
    assert.equal(code, 0, out);
    const order = [...out.matchAll(/^\s*\d+\. \[\w+\] (\w+):/gm)].map((m) => m[1]);
    assert.deepEqual(order, [
      'check',
      'build',
      'redis',
      'lambda',
      'flyio',
      'cloudrun',
      'cloudflare',
      'dispatcher',
      'browsers',
    ]);
    assert.match(
      out,
      /PORT=27585 K_SERVICE=packetfs-worker java -jar worker-flyio\/target\/quarkus-app\/quarkus-run\.jar/,
    );
    assert.match(out, /redis-server --bind 127\.0\.0\.1 --port 27584/);
    assert.match(out, /--function-zip worker-lambda\/target\/function\.zip/);
    assert.match(out, /PACKETFS_WORKER_TOKEN=<secret>/);
    assert.equal(existsSync(state), false);
  });

  test(
    'aws: the plan, the prerequisites, and templates synthesized into infra/cdk.out',
    { timeout: 180_000 },
    async () => {
      const state = join(scratch, 'dry-aws');
      const { code, out } = await cli('deploy-all', ['--target', 'aws', '--dry-run', '--state-dir', state], {
        PATH: '/usr/bin:/bin',
        AWS_ACCESS_KEY_ID: '',
        FLY_API_TOKEN: '',
        CLOUDFLARE_API_TOKEN: '',
        PACKETFS_GCLOUD: join(scratch, 'no-gcloud'),
      });
      assert.equal(code, 0, out);
      const order = [...out.matchAll(/^\s*\d+\. \[\w+\] (\w+):/gm)].map((m) => m[1]);
      assert.deepEqual(order, [
        'check',
        'build',
        'synth',
        'worker',
        'flyio',
        'cloudrun',
        'cloudflare',
        'dispatcher',
        'browser',
      ]);
      assert.match(
        out,
        /cloudrun: gcloud is not installed \(it is on no package registry\): https:\/\/cloud\.google\.com\/sdk\/docs\/install/,
      );
      assert.match(out, /worker: the AWS CLI is not installed/);
      assert.match(
        out,
        /flyio: flyctl is not installed \(it is on no package registry\): curl -L https:\/\/fly\.io\/install\.sh \| sh/,
      );
      assert.match(out, /flyctl secrets import --app APP --stage {3}# the token through stdin/);
      assert.match(out, /Synthesized into infra\/cdk\.out: .*PacketfsWorker\.template\.json/);
      for (const stack of ['PacketfsWorker', 'PacketfsDispatcher', 'PacketfsBrowserRuntime', 'PacketfsCost']) {
        const template = JSON.parse(readFileSync(join(root, 'infra/cdk.out', `${stack}.template.json`), 'utf8'));
        assert.ok(Object.keys(template.Resources).length > 0, stack);
      }
      assert.match(out, /No cdk diff: it needs AWS credentials/);
      assert.equal(existsSync(state), false, 'a dry run records nothing');
    },
  );

  test('localstack: says what is missing (a Docker engine, LOCALSTACK_AUTH_TOKEN)', { timeout: 180_000 }, async () => {
    const { code, out } = await cli(
      'deploy-all',
      ['--target', 'localstack', '--dry-run', '--state-dir', join(scratch, 'dry-ls')],
      { PATH: '/usr/bin:/bin', LOCALSTACK_AUTH_TOKEN: '' },
    );
    assert.equal(code, 0, out);
    assert.match(out, /docker run -d --name packetfs-localstack .*localstack\/localstack/);
    assert.match(
      out,
      /worker: no Docker engine .*; LOCALSTACK_AUTH_TOKEN is not set \(LocalStack images need one since March 2026/,
    );
  });
});

describe('--target aws, with recording stand-ins for the cloud CLIs', () => {
  test(
    'the order of the steps, the token only ever on stdin, a second run that changes nothing, destroy in reverse',
    { timeout: 240_000 },
    async () => {
      const bin = mkdtempSync(join(scratch, 'fakes-'));
      for (const name of ['aws', 'flyctl', 'gcloud', 'cdk', 'wrangler']) {
        writeFileSync(join(bin, name), `#!/bin/sh\nexec node ${join(root, 'deploy/test/fake-cli.mjs')} ${name} "$@"\n`);
        chmodSync(join(bin, name), 0o755);
      }
      const log = join(scratch, 'fake-cli.log');
      const token = 'fake-worker-token-6f1d2c9a8b7e';
      const env = {
        PATH: `${bin}:${process.env.PATH}`,
        FAKE_CLI_LOG: log,
        FAKE_TOKEN: token,
        PACKETFS_CDK: join(bin, 'cdk'),
        PACKETFS_WRANGLER: join(bin, 'wrangler'),
        PACKETFS_GCLOUD: join(bin, 'gcloud'),
        CLOUDFLARE_API_TOKEN: 'cf-api-token',
        FLY_API_TOKEN: 'fly-api-token',
        PACKETFS_FLY_APP: 'packetfs-worker-ci',
      };
      const state = join(scratch, 'aws');
      const first = await cli(
        'deploy-all',
        ['--target', 'aws', '--require-approval', 'never', '--state-dir', state],
        env,
      );
      assert.equal(first.code, 0, first.out);
      assert.match(first.out, /dispatcher: https:\/\/d\.lambda-url\.us-east-1\.on\.aws\//);
      // And how to reach it: pfs signs a function URL itself.
      assert.match(
        first.out,
        /^ {2}\.\/scripts\/pfs dashboard --server https:\/\/d\.lambda-url\.us-east-1\.on\.aws\/$/m,
      );
      const calls = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const deploys = calls
        .filter(deploying)
        .map((c) =>
          c.cli === 'gcloud'
            ? `gcloud ${c.args[0]} ${c.args[1]}`
            : `${c.cli} ${c.args[0]}${c.cli === 'cdk' ? ` ${c.args.slice(3, c.args.indexOf('--require-approval')).join(',')}` : ''}`,
        );
      assert.deepEqual(deploys, [
        'cdk deploy PacketfsWorker',
        'flyctl secrets',
        'flyctl deploy',
        'gcloud secrets create',
        'gcloud secrets versions',
        'gcloud secrets add-iam-policy-binding',
        'gcloud run deploy',
        'wrangler deploy',
        'wrangler secret',
        'cdk deploy PacketfsDispatcher,PacketfsCost',
        'cdk deploy PacketfsBrowserRuntime',
        'wrangler deploy',
      ]);
      // The Worker's coordinator admits the CDN's pages, once the CDN's domain is known; and the
      // CDN's pages are sent to the Worker's coordinator.
      const workerDeploys = calls.filter((c) => c.cli === 'wrangler' && c.args[0] === 'deploy');
      assert.deepEqual(workerDeploys[0].args, ['deploy']);
      assert.deepEqual(workerDeploys[1].args, [
        'deploy',
        '--var',
        'PACKETFS_BROWSER_ALLOWED_ORIGINS:https://d111.cloudfront.net',
      ]);
      const runtimeJson = readdirSync(join(root, 'infra/cdk.out'))
        .map((d) => join(root, 'infra/cdk.out', d, 'packetfs-runtime.json'))
        .filter((f) => existsSync(f));
      assert.deepEqual(
        [...new Set(runtimeJson.map((f) => readFileSync(f, 'utf8')))].map((text) => JSON.parse(text)),
        [{ coordinator: 'wss://packetfs-worker.ci.workers.dev/browser' }],
      );
      // Cloud Run: the same worker image from worker-flyio/, the token from Secret Manager, reachable by the dispatcher.
      const runDeploy = calls.find((c) => c.cli === 'gcloud' && c.args[0] === 'run' && c.args[1] === 'deploy');
      assert.deepEqual(runDeploy.args.slice(2, 8), [
        'packetfs-worker',
        '--source',
        '.',
        '--region',
        'us-central1',
        '--set-secrets',
      ]);
      assert.ok(
        runDeploy.args.includes('PACKETFS_WORKER_TOKEN=packetfs-worker-token:latest'),
        runDeploy.args.join(' '),
      );
      assert.equal(calls.find((c) => c.cli === 'gcloud' && c.args[1] === 'versions').stdin, token);
      assert.ok(
        calls.some((c) => c.cli === 'flyctl' && c.args.join(' ') === 'apps create packetfs-worker-ci --org personal'),
      );
      assert.ok(
        calls.every((c) => !c.args.join(' ').includes(token)),
        'never an argument',
      );
      assert.equal(
        calls.find((c) => c.cli === 'flyctl' && c.args[0] === 'secrets').stdin,
        `PACKETFS_WORKER_TOKEN=${token}\n`,
      );
      assert.equal(calls.find((c) => c.cli === 'wrangler' && c.args[0] === 'secret').stdin, `${token}\n`);
      assert.ok(!first.out.includes(token), 'never printed');
      assert.ok(!readFileSync(join(state, 'state.json'), 'utf8').includes(token), 'never in the state');
      // The dispatcher stack was synthesized with the URLs the Fly.io and Worker steps learned.
      const drain = JSON.stringify(
        JSON.parse(readFileSync(join(root, 'infra/cdk.out/PacketfsDispatcher.template.json'), 'utf8')),
      );
      assert.match(drain, /https:\/\/packetfs-worker-ci\.fly\.dev/);
      assert.match(drain, /https:\/\/packetfs-worker\.ci\.workers\.dev/);
      assert.match(drain, /https:\/\/packetfs-worker-ci-uc\.a\.run\.app/);

      writeFileSync(log, '');
      const second = await cli(
        'deploy-all',
        ['--target', 'aws', '--require-approval', 'never', '--state-dir', state],
        env,
      );
      assert.equal(second.code, 0, second.out);
      assert.match(second.out, /up to date: nothing changed/);
      const again = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        again.filter((c) => deploying(c) || c.args[0] === 'apps'),
        [],
        'nothing deployed twice',
      );

      writeFileSync(log, '');
      const down = await cli('destroy-all', ['--target', 'aws', '--state-dir', state], env);
      assert.equal(down.code, 0, down.out);
      const removals = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((c) => ['destroy', 'delete', 'apps'].includes(c.args[0]) || c.args.includes('delete'))
        .map((c) => `${c.cli} ${c.args.join(' ')}`);
      assert.deepEqual(
        removals,
        [
          'cdk destroy --app cdk.out PacketfsBrowserRuntime --force',
          'cdk destroy --app cdk.out PacketfsCost PacketfsDispatcher --force',
          'wrangler delete --force',
          'gcloud run services delete packetfs-worker --region us-central1 --quiet',
          'gcloud secrets delete packetfs-worker-token --quiet',
          'flyctl apps destroy packetfs-worker-ci --yes',
          'cdk destroy --app cdk.out PacketfsWorker --force',
        ],
        'in the reverse order of the deploy: nothing is removed while something still imports from it',
      );
      assert.deepEqual(JSON.parse(readFileSync(join(state, 'state.json'), 'utf8')).steps, {}, 'nothing left recorded');
    },
  );
});

/** A call that deploys or changes something in a cloud (not one that only reads). */
function deploying(c) {
  if (c.cli === 'gcloud')
    return (
      (c.args[0] === 'secrets' && ['create', 'versions', 'add-iam-policy-binding'].includes(c.args[1])) ||
      (c.args[0] === 'run' && c.args[1] === 'deploy')
    );
  return ['cdk', 'flyctl', 'wrangler'].includes(c.cli) && ['deploy', 'secrets', 'secret'].includes(c.args[0]);
}

/** A job's result from the dispatcher at `url`, polled until it is stored (at most two minutes). */
async function resultOf(url, id) {
  for (let i = 0; i < 1200; i++) {
    const got = await fetch(`${url}/results/${id}`);
    if (got.status === 200) return got.json();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

describe('--target local, end to end', () => {
  const base = 27480; // below the ephemeral range: no port-0 socket of another test can hold one
  const state = join(scratch, 'local');
  const url = `http://127.0.0.1:${base}`;
  const volunteers = existsSync(process.env.CHROMIUM ?? '/usr/bin/chromium') ? 1 : 0;
  const args = [
    '--target',
    'local',
    '--port-base',
    String(base),
    '--volunteers',
    String(volunteers),
    '--state-dir',
    state,
  ];

  test(
    'deploy, a job on every substrate, a second deploy that changes nothing, destroy, nothing left',
    { timeout: 600_000 },
    async () => {
      const first = await cli('deploy-all', args);
      assert.equal(first.code, 0, first.out);
      assert.match(first.out, new RegExp(`^dispatcher: ${url}$`, 'm'));
      const recorded = JSON.parse(readFileSync(join(state, 'state.json'), 'utf8')).steps;
      const pids = ['redis', 'lambda', 'flyio', 'cloudrun', 'cloudflare', 'dispatcher']
        .map((s) => recorded[s].outputs.pid)
        .concat(recorded.browsers.outputs.pids);
      try {
        const health = await (await fetch(`${url}/health`)).json();
        const substrates = ['local', 'lambda', 'flyio', 'cloudrun', 'cloudflare', ...(volunteers ? ['browser'] : [])];
        for (const s of substrates)
          assert.equal(health.substrates[s]?.healthy, true, `${s}: ${JSON.stringify(health)}`);
        // The dispatcher's pages send volunteers to the edge coordinator in workerd; they are there.
        const pages = await (await fetch(`${url}/browser-runtime/packetfs-runtime.json`)).json();
        assert.deepEqual(pages, { coordinator: `ws://127.0.0.1:${base + 2}/browser` });
        const workerToken = readFileSync(join(state, 'secrets/worker-token'), 'utf8').trim();
        const edge = await fetch(`http://127.0.0.1:${base + 2}/browser/stats`, {
          headers: { authorization: `Bearer ${workerToken}` },
        });
        assert.equal((await edge.json()).volunteers, volunteers);
        for (const s of substrates) {
          const job = {
            job_id: `e2e-${s}`,
            substrate: s,
            public: s === 'browser',
            program: { op: 'crc32c', data: 'MTIzNDU2Nzg5' },
          };
          const r = await fetch(`${url}/jobs`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(job),
          });
          assert.equal(r.status, 202, await r.text());
        }
        for (const s of substrates) {
          const result = await resultOf(url, `e2e-${s}`);
          assert.equal(result?.status, 'succeeded', `${s}: ${JSON.stringify(result)}`);
          assert.equal(result.substrate, s);
          assert.equal(result.result.checksum, 3808858755);
        }

        // A fan-out job over a loopback object: its windows on every substrate, merged to the single pass.
        const object = new Uint8Array(16 * 1024 * 1024 + 3).map((_, i) => (i * 2654435761) >>> 24);
        const names = ['local', 'lambda', 'flyio', 'cloudrun', 'cloudflare', 'browser'].flatMap((s) => [
          `fail-${s}`,
          `restart-${s}`,
        ]);
        const origin = await startOrigin(new Map([['obj', object], ...names.map((n) => [n, object])]));
        try {
          const job = {
            job_id: 'e2e-fanout',
            public: true,
            window_bytes: 256 * 1024,
            program: { op: 'crc32c', data_url: origin.url('/ranged/obj') },
          };
          const r = await fetch(`${url}/jobs`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(job),
          });
          assert.equal(r.status, 202, await r.text());
          const result = await resultOf(url, 'e2e-fanout');
          assert.equal(result?.status, 'succeeded', JSON.stringify(result));
          assert.deepEqual(result.result, execute({ op: 'crc32c', data_url: origin.url('/ranged/obj') }, object));
          assert.equal(result.summary.windows, 65);
          // Every window is counted once, on the substrate that answered it (which one depends on timing).
          const counted = Object.values(result.summary.substrates).reduce((n, s) => n + s.windows, 0);
          assert.equal(counted, 65, JSON.stringify(result.summary));
          // Where the windows of one job go depends on the moment's latencies; that windows run and
          // merge on each substrate's own runtime is checked with jobs that may run only there.
          const ops = ['fnv64', 'crc32c', 'add', 'xor', 'counteq'];
          const only = substrates.map((s, i) => ({
            job_id: `e2e-fanout-${s}`,
            public: true,
            window_bytes: 4 * 1024 * 1024,
            substrates: [s],
            program: { op: ops[i % ops.length], imm: 9, data_url: origin.url('/ranged/obj') },
          }));
          const posted = await fetch(`${url}/jobs`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(only),
          });
          assert.equal(posted.status, 202, await posted.text());
          for (const job of only) {
            const done = await resultOf(url, job.job_id);
            const s = job.substrates[0];
            assert.equal(done?.status, 'succeeded', `${s}: ${JSON.stringify(done)}`);
            assert.deepEqual(done.result, execute(job.program, object), s);
            assert.deepEqual(Object.keys(done.summary.substrates), [s], JSON.stringify(done.summary));
            assert.equal(done.summary.substrates[s].windows, 5, s);
          }

          // Exact means exact, on every substrate's own fetcher: the object is replaced after two
          // reads (the origin's /versioned/strong/2/), and a job answers for one version whole or
          // fails saying so, never for a mix (docs/jobs.md#one-version-of-the-object).
          const changing = substrates.flatMap((s) =>
            ['fail', 'restart'].map((onChange) => ({
              job_id: `e2e-${onChange}-${s}`,
              public: true,
              window_bytes: 4 * 1024 * 1024,
              substrates: [s],
              ...(onChange === 'restart' ? { on_change: 'restart' } : {}),
              program: { op: 'crc32c', data_url: origin.url(`/versioned/strong/2/${onChange}-${s}`) },
            })),
          );
          const version2 = object.map((b) => b ^ 0xff);
          const replaced = await fetch(`${url}/jobs`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(changing),
          });
          assert.equal(replaced.status, 202, await replaced.text());
          for (const job of changing) {
            const done = await resultOf(url, job.job_id);
            const name = job.program.data_url.split('/').pop();
            if (job.on_change) {
              assert.equal(done?.status, 'succeeded', `${job.job_id}: ${JSON.stringify(done)}`);
              assert.deepEqual(done.result, execute(job.program, version2), `${job.job_id}: version 2, whole`);
              assert.equal(done.summary.restarts, 1, job.job_id);
              assert.equal(done.summary.version.etag, `"${name}-v2"`, job.job_id);
            } else {
              assert.equal(done?.status, 'failed', `${job.job_id}: ${JSON.stringify(done)}`);
              assert.equal(done.result, null, job.job_id);
              assert.ok(
                done.error.startsWith(`the object changed while the job ran: the plan read ETag "${name}-v1"`),
                `${job.job_id}: ${done.error}`,
              );
            }
          }
        } finally {
          await origin.close();
        }

        const second = await cli('deploy-all', args);
        assert.equal(second.code, 0, second.out);
        assert.match(second.out, /up to date: nothing changed/);
        assert.doesNotMatch(second.out, /→/);
        const again = JSON.parse(readFileSync(join(state, 'state.json'), 'utf8')).steps;
        assert.equal(again.dispatcher.outputs.pid, recorded.dispatcher.outputs.pid, 'the same processes');
        // One part alone still sees the others: the dispatcher's configuration is unchanged.
        const alone = await cli('deploy-all', [...args, '--only', 'dispatcher']);
        assert.equal(alone.code, 0, alone.out);
        assert.match(alone.out, /✓ dispatcher: up to date\nup to date: nothing changed/);

        const token = readFileSync(join(state, 'secrets/worker-token'), 'utf8').trim();
        assert.ok(token.length >= 32);
        for (const out of [first.out, second.out, readFileSync(join(state, 'state.json'), 'utf8')])
          assert.ok(!out.includes(token));
        for (const pid of pids) {
          assert.ok(!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(token), 'never on a command line');
        }
      } finally {
        const destroyed = await cli('destroy-all', [
          '--target',
          'local',
          '--port-base',
          String(base),
          '--state-dir',
          state,
        ]);
        assert.equal(destroyed.code, 0, destroyed.out);
        assert.match(destroyed.out, /nothing of the local fabric is left running/);
      }
      for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} still runs`);
      for (let port = base; port <= base + 5; port++) assert.equal(await listening(port), false, `port ${port}`);
      assert.equal(existsSync(state), false, 'the state folder is gone');
    },
  );
});
