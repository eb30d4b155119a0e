// ./scripts/demo as a user runs it: it stands the whole fabric up, runs a small job pinned to each
// substrate and one fan-out job over a generated object on all of them, checks both against a
// single pass, prints the windows and the books per substrate and the dashboard's URL, stays up,
// and on Ctrl-C (SIGINT to its process group, as a terminal sends it) stops everything it started.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

function listening(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

test('the demo shows the whole fabric at work and stops it on Ctrl-C', { timeout: 900_000 }, async () => {
  const child = spawn(`${root}/scripts/demo`, ['--size', '48', '--window', '1MiB'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  try {
    await runAndInterrupt(child, () => out, exited);
  } finally {
    // Whatever failed, the demo is stopped, and it stops its fabric.
    if (child.exitCode === null) {
      process.kill(-child.pid, 'SIGINT');
      // unref: a bound on the wait, which must not keep this file's process alive once the demo is gone.
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 120_000).unref())]);
    }
  }
});

async function runAndInterrupt(child, output, exited) {
  let out = output();
  const deadline = Date.now() + 600_000;
  while (!out.includes('stays up until Ctrl-C')) {
    if (child.exitCode !== null) break;
    assert.ok(Date.now() < deadline, `the demo did not come up:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    out = output();
  }
  assert.match(out, /the same\./, out);
  const port = Number(/Dashboard: http:\/\/127\.0\.0\.1:(\d+)\/dashboard/.exec(out)?.[1]);
  assert.ok(port > 0, out);
  assert.equal(
    (await fetch(`http://127.0.0.1:${port}/dashboard`)).status,
    200,
    'the dashboard is up while the demo waits',
  );
  // Each substrate answered the job pinned to it; where the fan-out's windows land depends on the
  // moment's latencies and is not promised, but every substrate is in its books.
  const substrates = [
    'local',
    'lambda',
    'flyio',
    'cloudrun',
    'cloudflare',
    ...(existsSync(process.env.CHROMIUM ?? '/usr/bin/chromium') ? ['browser'] : []),
  ];
  for (const s of substrates) {
    assert.match(out, new RegExp(`^  ${s}\\s+succeeded  checksum \\d+ in \\d+ ms, the same as pfs exec$`, 'm'), out);
    assert.match(out, new RegExp(`^${s}\\s+\\d+\\s+[0-9.]+\\s+\\d+\\s`, 'm'), `${s} is in the books:\n${out}`);
  }
  process.kill(-child.pid, 'SIGINT');
  const { code } = await Promise.race([
    exited,
    new Promise((resolve) => setTimeout(() => resolve({ code: 'still running' }), 120_000).unref()),
  ]);
  out = output();
  assert.equal(code, 130, out);
  assert.match(out, /Stopping the fabric/);
  for (let p = port; p <= port + 5; p++) assert.equal(await listening(p), false, `port ${p} still listens:\n${out}`);
}
