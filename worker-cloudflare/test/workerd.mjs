// Starts the Worker in workerd (test/serve-workerd.mjs: the bundle `wrangler deploy` would ship,
// run by Miniflare) on a free loopback port with the given vars and secrets; stop() ends it and
// the workerd process it started. Its stdin is a pipe from this process, so a test run killed
// before stop() (a timeout, ^C) still ends it: the pipe closes and the server stops.
import { spawn } from 'node:child_process';

const serve = new URL('./serve-workerd.mjs', import.meta.url).pathname;

export async function startWorker(vars) {
  const child = spawn(process.execPath, [serve, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)], {
    detached: true, // its own process group, so stop() reaches workerd too
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => {
    log += d;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /READY (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    exited.then((code) => reject(new Error(`workerd exited with ${code}:\n${log}`)));
    setTimeout(() => reject(new Error(`workerd did not start in 60 s:\n${log}`)), 60_000).unref();
  });
  const stop = async () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    try {
      process.kill(-child.pid, 'SIGKILL'); // anything that outlived it
    } catch {}
  };
  return { url, stop, log: () => log, pid: child.pid };
}
