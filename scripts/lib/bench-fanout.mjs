// ./scripts/bench fanout: crc32c over a large loopback object, cut into windows by the
// dispatcher, next to a single pass. Every figure is from real processes on this machine: the
// packaged dispatcher (`pfs serve`), redis-server, the local fabric of `deploy-all --target
// local`, and `pfs run` / `pfs exec` as a user runs them.
//
//   node bench-fanout.mjs [--size 1GiB] [--window 1MiB] [--runs 3] [--skip-fabric]
//
// 1. single pass: `pfs exec --url` over the whole object;
// 2. local substrate only, the queue in memory and on Redis: GB/s, plan to merge;
// 3. every substrate of the local fabric;
// 4. overhead per window: 16,384 windows of 4 KiB, local only, on Redis;
// 5. hedging: one substrate (flyio) stalled on purpose once 80% of a job's windows are in (its
//    worker stopped for 8 s), the same job with hedging on and off.
// Every merged checksum is compared with the single pass. The last line is JSON.
import { spawn, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const out = join(root, 'target/bench');
const { values: opts } = parseArgs({
  options: {
    size: { type: 'string', default: '1GiB' },
    window: { type: 'string', default: '1MiB' },
    runs: { type: 'string', default: '3' },
    'skip-fabric': { type: 'boolean', default: false },
  },
});
const parseSize = (s) => {
  const m = /^(\d+)\s*(B|KiB|MiB|GiB)?$/i.exec(s);
  if (!m) throw new Error(`not a size: ${s}`);
  return Number(m[1]) * { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase()];
};
const SIZE = parseSize(opts.size);
const RUNS = Number(opts.runs);
const say = (...a) => console.error(...a);
const children = [];
process.on('exit', () => {
  for (const c of children)
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
});
process.on('SIGINT', () => process.exit(130));

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/** Starts a daemon in its own process group; resolves once `ready(log)` returns a value. */
function daemon(cmd, args, env, ready, name) {
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let log = '';
  child.stdout.on('data', (d) => {
    log += d;
  });
  child.stderr.on('data', (d) => {
    log += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const v = ready(log);
      if (v) {
        clearInterval(timer);
        resolve({ value: v, child, log: () => log });
      }
      if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`${name} exited:\n${log}`));
      }
    }, 50);
  });
}

async function stop(d) {
  if (d.child.exitCode !== null) return;
  const ended = new Promise((resolve) => d.child.once('exit', resolve));
  try {
    process.kill(-d.child.pid, 'SIGTERM');
  } catch {
    return; // gone already
  }
  await Promise.race([ended, new Promise((r) => setTimeout(r, 20_000))]);
  if (d.child.exitCode === null) {
    try {
      process.kill(-d.child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

const JAR = join(root, 'dispatcher-function/server/target/quarkus-app/quarkus-run.jar');

async function dispatcher(env) {
  const d = await daemon(
    'java',
    ['-Xmx1g', '-jar', JAR],
    {
      QUARKUS_HTTP_HOST: '127.0.0.1',
      QUARKUS_HTTP_PORT: '0',
      PACKETFS_FETCH_ALLOW_HOSTS: '127.0.0.1',
      ...env,
    },
    (log) => /Listening on: (http:\/\/\S+)/.exec(log)?.[1],
    'the dispatcher',
  );
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${d.value}/health`)).status === 200) break;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ...d, url: d.value };
}

function pfs(args, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(join(root, 'scripts/pfs'), args, {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`pfs ${args.join(' ')}: exit ${r.status}\n${r.stderr}${r.stdout}`);
  return { json: JSON.parse(r.stdout), ms };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gbps = (bytes, ms) => +(bytes / 1e6 / ms).toFixed(3);

/** One fan-out run through `server`: its result, the GB/s from plan to merge, and the wall time. */
function fanOut(server, url, window, extra = [], bytes = SIZE) {
  const r = pfs(['run', '--op', 'crc32c', '--url', url, '--window', window, '--json', ...extra], {
    PACKETFS_SERVER: server,
  });
  const s = r.json.summary;
  return {
    checksum: r.json.result?.checksum,
    status: r.json.status,
    ms: r.json.execution_time_ms,
    wall_ms: Math.round(r.ms),
    gbps: gbps(bytes, r.json.execution_time_ms),
    windows: s?.windows,
    hedges: s?.hedges,
    hedges_won: s?.hedges_won,
    executions: s?.executions,
    cost_usd: r.json.cost_usd,
    merge_ms: s?.merge_ms,
    per_substrate: Object.fromEntries(Object.entries(s?.substrates ?? {}).map(([k, v]) => [k, v.windows])),
  };
}

function series(name, server, url, window, single, extra = []) {
  say(`${name}: a warm-up run, then ${RUNS} measured...`);
  fanOut(server, url, window, extra);
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = fanOut(server, url, window, extra);
    if (r.checksum !== single)
      throw new Error(`${name}: merged ${r.checksum}, single pass ${single}: ${JSON.stringify(r)}`);
    runs.push(r);
    say(
      `  ${r.gbps} GB/s (${r.ms} ms plan to merge, ${r.wall_ms} ms for pfs run), ${r.windows} windows ${JSON.stringify(r.per_substrate)}`,
    );
  }
  return { name, median_gbps: median(runs.map((r) => r.gbps)), runs, checksum_equal: true };
}

// -- the object and its origin ------------------------------------------------------------------
mkdirSync(out, { recursive: true });
const objectPath = join(out, `fanout-object-${SIZE}.bin`);
if (!existsSync(objectPath) || statSync(objectPath).size !== SIZE) {
  say(`writing a ${SIZE}-byte random object...`);
  const fd = openSync(objectPath, 'w');
  const chunk = Buffer.allocUnsafe(64 << 20);
  for (let left = SIZE; left > 0; left -= chunk.length) {
    randomFillSync(chunk);
    writeSync(fd, chunk, 0, Math.min(chunk.length, left));
  }
  closeSync(fd);
}
const origin = await daemon(
  'node',
  [join(root, 'scripts/lib/range-origin.mjs'), objectPath],
  {},
  (log) => /^(http:\S+)/m.exec(log)?.[1],
  'the origin',
);
const url = origin.value;
const report = {
  date: new Date().toISOString(),
  object_bytes: SIZE,
  window: opts.window,
  runs: RUNS,
  cpus: (await import('node:os')).cpus().length,
};

// -- 1. single pass -----------------------------------------------------------------------------
say('single pass: pfs exec --url, 1 warm-up and 3 measured...');
pfs(['exec', '--op', 'crc32c', '--url', url]);
const singles = [];
let single;
for (let i = 0; i < 3; i++) {
  const r = pfs(['exec', '--op', 'crc32c', '--url', url]);
  single = r.json.checksum;
  singles.push(r.ms);
}
report.single_pass = {
  checksum: single,
  median_ms: Math.round(median(singles)),
  gbps: gbps(SIZE, median(singles)),
  note: 'wall time of the command, JVM start (~0.2 s) included',
};
say(`  ${report.single_pass.gbps} GB/s (${report.single_pass.median_ms} ms)`);

// -- 2. local only --------------------------------------------------------------------------------
const memory = await dispatcher({});
report.local_in_memory = series('local only, queue in memory', memory.url, url, opts.window, single, [
  '--substrates',
  'local',
]);
await stop(memory);

const redisPort = await freePort();
const redis = await daemon(
  'redis-server',
  ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no'],
  {},
  (log) => /Ready to accept connections/.test(log),
  'redis-server',
);
const onRedis = await dispatcher({ PACKETFS_REDIS_URL: `redis://127.0.0.1:${redisPort}` });
report.local_on_redis = series('local only, queue on Redis', onRedis.url, url, opts.window, single, [
  '--substrates',
  'local',
]);

// -- 4. overhead per window: 64 MiB in 4 KiB windows --------------------------------------------
say('overhead per window: 64 MiB in 16,384 windows of 4 KiB, local only, on Redis...');
const small = [];
for (let i = 0; i < 2; i++) {
  const r = pfs(
    [
      'run',
      '--op',
      'crc32c',
      '--url',
      url,
      '--length',
      String(64 << 20),
      '--window',
      '4KiB',
      '--json',
      '--substrates',
      'local',
    ],
    { PACKETFS_SERVER: onRedis.url },
  );
  small.push(r.json);
}
const best = small[1];
const metrics = await (await fetch(`${onRedis.url}/metrics`)).json();
report.per_window = {
  windows: best.summary.windows,
  ms: best.execution_time_ms,
  us_per_window: Math.round((best.execution_time_ms * 1000) / best.summary.windows),
  windows_per_s: Math.round((best.summary.windows / best.execution_time_ms) * 1000),
  execution_p50_ms: metrics.substrates.local.p50_ms,
  execution_p99_ms: metrics.substrates.local.p99_ms,
  merge_ms: best.summary.merge_ms,
  note: 'execution = the dispatcher waiting for the local substrate: the Range request and the kernel over 4 KiB',
};
say(
  `  ${report.per_window.us_per_window} µs per window (${report.per_window.windows_per_s} windows/s), execution p50 ` +
    `${report.per_window.execution_p50_ms} ms, merge of ${best.summary.windows} answers ${report.per_window.merge_ms} ms`,
);
await stop(onRedis);
await stop(redis);

// -- 3 and 5: the local fabric --------------------------------------------------------------------
if (!opts['skip-fabric']) {
  const state = join(out, 'fanout-fabric');
  rmSync(state, { recursive: true, force: true });
  let base;
  for (;;) {
    base = 20000 + Math.floor(Math.random() * 30000);
    const ports = await Promise.all(
      [0, 1, 2, 3, 4].map(
        (i) =>
          new Promise((resolve) => {
            const s = createServer()
              .once('error', () => resolve(false))
              .listen(base + i, '127.0.0.1', () => s.close(() => resolve(true)));
          }),
      ),
    );
    if (ports.every(Boolean)) break;
  }
  say(`the local fabric: deploy-all --target local --port-base ${base}...`);
  const fabricArgs = ['--target', 'local', '--port-base', String(base), '--state-dir', state, '--volunteers', '2'];
  const up = spawnSync(join(root, 'scripts/deploy-all'), fabricArgs, { encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`deploy-all failed:\n${up.stdout}${up.stderr}`);
  try {
    const fabric = `http://127.0.0.1:${base}`;
    report.all_substrates = series('every substrate of the local fabric', fabric, url, opts.window, single, [
      '--public',
    ]);

    // 5. hedging: two dispatchers of our own on the fabric's workers, identical but for hedging.
    // Once 80% of a job's windows are in, the Fly.io worker is stopped (SIGSTOP) for 8 s: the
    // windows it holds are the stragglers of that job, as a machine that stalls would make them.
    const steps = JSON.parse(readFileSync(join(state, 'state.json'), 'utf8')).steps;
    const token = readFileSync(join(state, 'secrets/worker-token'), 'utf8').trim();
    const workers = {
      PACKETFS_SUBSTRATES_FLYIO_URL: steps.flyio.outputs.url,
      PACKETFS_SUBSTRATES_CLOUDFLARE_URL: steps.cloudflare.outputs.url,
      PACKETFS_SUBSTRATES_LAMBDA_FUNCTION_NAME: 'packetfs-worker',
      PACKETFS_SUBSTRATES_LAMBDA_ENDPOINT: steps.lambda.outputs.url,
      PACKETFS_SUBSTRATES_LAMBDA_MAX_CONCURRENCY: '2',
      AWS_ACCESS_KEY_ID: 'AKIAPACKETFSLOCAL001',
      AWS_SECRET_ACCESS_KEY: 'local-lambda-service',
      AWS_REGION: 'us-east-1',
      PACKETFS_WORKER_TOKEN: token,
      PACKETFS_LOCAL_MAX_CONCURRENCY: '4',
      PACKETFS_SUBSTRATES_FLYIO_MAX_CONCURRENCY: '4',
      PACKETFS_SUBSTRATES_CLOUDFLARE_MAX_CONCURRENCY: '4',
      PACKETFS_DISPATCH_HEALTH_INTERVAL: '2s',
    };
    const flyPid = steps.flyio.outputs.pid;
    const STALL_MS = 8000;
    /** Executions and cost in the books (GET /metrics), all substrates, once nothing is in flight. */
    async function books(server) {
      for (let i = 0; ; i++) {
        const m = await (await fetch(`${server}/metrics`)).json();
        if (m.queue.in_flight === 0 || i > 200) {
          const all = Object.values(m.substrates);
          return {
            executions: all.reduce((a, x) => a + x.jobs, 0),
            cost: all.reduce((a, x) => a + Number(x.total_cost_usd), 0),
          };
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    async function stalledRun(server, n) {
      const before = await books(server);
      const id = `hedge-${n}-${Date.now()}`;
      const job = { job_id: id, window_bytes: parseSize(opts.window), program: { op: 'crc32c', data_url: url } };
      const posted = await fetch(`${server}/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(job),
      });
      if (posted.status !== 202) throw new Error(`POST /jobs: ${posted.status} ${await posted.text()}`);
      let stalled = false;
      let result;
      try {
        while (!result) {
          const r = await fetch(`${server}/results/${id}`);
          if (r.status === 200) {
            result = await r.json();
            break;
          }
          const f = (await (await fetch(`${server}/jobs/${id}`)).json()).fanout;
          if (!stalled && f && f.windows_done >= 0.8 * f.windows) {
            process.kill(-flyPid, 'SIGSTOP');
            stalled = true;
            setTimeout(() => process.kill(-flyPid, 'SIGCONT'), STALL_MS).unref();
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        // The worker is let go on time even when the job ended first.
        if (stalled) await new Promise((resolve) => setTimeout(resolve, STALL_MS + 200));
        process.kill(-flyPid, 'SIGCONT');
      }
      if (result.result?.checksum !== single) throw new Error(`hedging run: ${JSON.stringify(result)}`);
      const after = await books(server);
      const s = result.summary;
      return {
        books_executions: after.executions - before.executions,
        books_cost_usd: +(after.cost - before.cost).toFixed(12),
        ms: result.execution_time_ms,
        gbps: gbps(SIZE, result.execution_time_ms),
        hedges: s.hedges,
        hedges_won: s.hedges_won,
        executions: s.executions,
        windows: s.windows,
        cost_usd: result.cost_usd,
        stalled,
        per_substrate: Object.fromEntries(Object.entries(s.substrates).map(([k, v]) => [k, v.windows])),
      };
    }
    report.hedging = {
      slowed: `flyio: its worker stopped (SIGSTOP) for ${STALL_MS} ms once 80% of the windows were in`,
    };
    for (const [name, on] of [
      ['hedging_on', 'true'],
      ['hedging_off', 'false'],
    ]) {
      const d = await dispatcher({ ...workers, PACKETFS_FANOUT_HEDGE_ENABLED: on });
      say(`${name}, flyio stalled at 80%: a warm-up run, then ${RUNS} measured...`);
      fanOut(d.url, url, opts.window);
      const runs = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await stalledRun(d.url, i);
        runs.push(r);
        say(
          `  ${r.ms} ms plan to merge, ${r.hedges} hedges (${r.hedges_won} won); the books: ${r.books_executions} executions` +
            ` for ${r.windows} windows, ${r.books_cost_usd} USD ${JSON.stringify(r.per_substrate)}`,
        );
      }
      report.hedging[name] = {
        median_ms: median(runs.map((r) => r.ms)),
        median_books_cost_usd: median(runs.map((r) => r.books_cost_usd)),
        runs,
      };
      await stop(d);
    }
  } finally {
    say('destroy-all...');
    spawnSync(
      join(root, 'scripts/destroy-all'),
      ['--target', 'local', '--port-base', String(base), '--state-dir', state],
      { stdio: 'ignore' },
    );
  }
}
console.log(JSON.stringify(report));
await stop(origin);
