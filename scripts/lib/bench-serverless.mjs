// ./scripts/bench serverless: the dispatcher as AWS runs it, on this machine
// (deploy-all --target local --serverless): submit-to-result latency of small jobs through the
// signed function URL, from idle (the submission starts the drain) and while a drain runs; the
// same with kicks off (only the schedule starts drains); and jobs per second with 1, 2 and 4
// drains. Prints a table on stderr and one line of JSON on stdout.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisCommand } from '../../deploy/lib/proc.mjs';
import { signedFetch } from '../../deploy/lib/sigv4.mjs';

const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const base = Number(process.env.PACKETFS_BENCH_PORT_BASE ?? 27600);
const url = `http://127.0.0.1:${base}`;
const redisPort = base + 4;
const IDLE_SAMPLES = Number(process.env.IDLE_SAMPLES ?? 12);
const RUNNING_SAMPLES = Number(process.env.RUNNING_SAMPLES ?? 100);
const SCHEDULE_SAMPLES = Number(process.env.SCHEDULE_SAMPLES ?? 6);
const SCHEDULE_SECONDS = Number(process.env.SCHEDULE_SECONDS ?? 20);
const THROUGHPUT_JOBS = Number(process.env.THROUGHPUT_JOBS ?? 2000);
const log = (line) => process.stderr.write(`${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let credentials;
let seq = 0;

function deployAll(command, extra) {
  const state = join(scratch, 'state');
  const r = spawnSync(
    join(root, 'scripts', command),
    ['--target', 'local', '--serverless', '--port-base', String(base), '--state-dir', state, ...extra],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`${command} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

async function up(extra) {
  const out = deployAll('deploy-all', ['--only', 'redis,dispatcher', ...extra]);
  const m = /^sign with: AWS_ACCESS_KEY_ID=(\S+) AWS_SECRET_ACCESS_KEY=(\S+)/m.exec(out);
  credentials = { accessKeyId: m[1], secretAccessKey: m[2] };
}

const down = () => deployAll('destroy-all', []);
const post = (body) =>
  signedFetch(`${url}/jobs`, {
    method: 'POST',
    credentials,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
const job = () => ({ job_id: `bench-${process.pid}-${seq++}`, program: { op: 'crc32c', data: 'MTIzNDU2Nzg5' } });
const drains = async () => Number((await redisCommand(redisPort, 'ZCARD packetfs:drains')).slice(1));

/** Submit one job through the signed URL and wait for its result: milliseconds. */
async function roundTrip() {
  const j = job();
  const t0 = performance.now();
  const r = await post(j);
  if (r.status !== 202) throw new Error(`POST /jobs answered ${r.status}: ${await r.text()}`);
  for (;;) {
    const got = await signedFetch(`${url}/results/${j.job_id}`, { credentials });
    if (got.status === 200) {
      const result = await got.json();
      if (result.status !== 'succeeded') throw new Error(JSON.stringify(result));
      return performance.now() - t0;
    }
    await sleep(10);
  }
}

/**
 * No drain runs: none holds a lease, and the last one has had time to end (a drain that has given
 * its lease up still runs what its last read brings, for at most its 250 ms read).
 */
async function idle() {
  for (let i = 0; i < 1200 && (await drains()) > 0; i++) await sleep(100);
  await sleep(1500);
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const stats = (xs) => ({
  n: xs.length,
  p50_ms: Math.round(pct(xs, 50)),
  p99_ms: Math.round(pct(xs, 99)),
  max_ms: Math.round(Math.max(...xs)),
});

async function latencies() {
  const fromIdle = [];
  for (let i = 0; i < IDLE_SAMPLES; i++) {
    await idle();
    fromIdle.push(await roundTrip());
  }
  // A drain kept running by a job every few hundred milliseconds: each measured job finds it.
  await roundTrip();
  const running = [];
  for (let i = 0; i < RUNNING_SAMPLES; i++) running.push(await roundTrip());
  return { fromIdle: stats(fromIdle), running: stats(running) };
}

async function throughput() {
  const jobs = Array.from({ length: THROUGHPUT_JOBS }, job);
  await idle();
  const t0 = performance.now();
  const batches = [];
  for (let i = 0; i < jobs.length; i += 100) batches.push(post(jobs.slice(i, i + 100)));
  for (const r of await Promise.all(batches)) if (r.status !== 202) throw new Error(`batch answered ${r.status}`);
  let most = 0;
  const last = jobs.map((j) => j.job_id);
  for (;;) {
    most = Math.max(most, await drains());
    const missing = Number(
      (
        await redisCommand(
          redisPort,
          `EXISTS ${last
            .map((id) => `packetfs:results:${id}`)
            .slice(-200)
            .join(' ')}`,
        )
      ).slice(1),
    );
    if (missing === Math.min(200, last.length)) {
      let all = true;
      for (let i = 0; i < last.length; i += 200) {
        const n = Number(
          (
            await redisCommand(
              redisPort,
              `EXISTS ${last
                .slice(i, i + 200)
                .map((id) => `packetfs:results:${id}`)
                .join(' ')}`,
            )
          ).slice(1),
        );
        if (n !== Math.min(200, last.length - i)) {
          all = false;
          break;
        }
      }
      if (all) break;
    }
    await sleep(50);
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    jobs: jobs.length,
    seconds: +seconds.toFixed(2),
    jobs_per_s: Math.round(jobs.length / seconds),
    most_drains: most,
  };
}

const scratch = mkdtempSync(join(tmpdir(), 'packetfs-bench-serverless-'));
const results = {};
try {
  log('kicks on (a submission starts a drain), schedule every 60 s...');
  await up(['--schedule-seconds', '60', '--max-drains', '2']);
  Object.assign(results, { kicks: await latencies() });
  log(
    `  from idle: ${JSON.stringify(results.kicks.fromIdle)}; while a drain runs: ${JSON.stringify(results.kicks.running)}`,
  );

  log(`kicks off: only the schedule (every ${SCHEDULE_SECONDS} s) starts drains...`);
  await up(['--schedule-seconds', String(SCHEDULE_SECONDS), '--kicks', 'off']);
  const scheduled = [];
  for (let i = 0; i < SCHEDULE_SAMPLES; i++) {
    await idle();
    // At a moment spread over the schedule's period, as a user's submission would be.
    await sleep(((i + 0.5) / SCHEDULE_SAMPLES) * SCHEDULE_SECONDS * 1000);
    scheduled.push(await roundTrip());
  }
  results.schedule_only = { every_s: SCHEDULE_SECONDS, ...stats(scheduled) };
  log(`  from idle: ${JSON.stringify(results.schedule_only)}`);

  results.throughput = [];
  for (const n of [1, 2, 4]) {
    log(`throughput: ${THROUGHPUT_JOBS} jobs in batches of 100 through the URL, at most ${n} drain(s)...`);
    await up(['--schedule-seconds', '60', '--kicks', 'on', '--max-drains', String(n)]);
    const t = await throughput();
    results.throughput.push({ max_drains: n, ...t });
    log(`  ${JSON.stringify(t)}`);
  }
} finally {
  try {
    down();
  } catch (e) {
    log(String(e));
  }
  rmSync(scratch, { recursive: true, force: true });
}
log('');
log('                           p50 ms   p99 ms   max ms   n');
const row = (name, s) =>
  log(
    `${name.padEnd(26)} ${String(s.p50_ms).padStart(6)} ${String(s.p99_ms).padStart(8)} ${String(s.max_ms).padStart(8)}   ${s.n}`,
  );
row('from idle (kick)', results.kicks.fromIdle);
row('while a drain runs', results.kicks.running);
row(`schedule only (${SCHEDULE_SECONDS} s)`, results.schedule_only);
for (const t of results.throughput)
  log(
    `${`throughput, ${t.max_drains} drain(s)`.padEnd(26)} ${t.jobs_per_s} jobs/s (${t.jobs} in ${t.seconds} s, ${t.most_drains} at most)`,
  );
console.log(JSON.stringify({ date: new Date().toISOString(), ...results }));
