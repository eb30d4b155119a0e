// Serves the Worker in workerd exactly as `wrangler deploy` would ship it: the bundle from
// `wrangler deploy --dry-run` (src/worker.mjs with the shared kernel inlined), run by Miniflare
// with wrangler.toml's settings, plus the vars and secrets given here. No wrangler dev proxy
// stands in between. Prints "READY <url>" and serves until SIGTERM or SIGINT, or until its stdin
// closes when stdin is a pipe (the process that started it has died).
//
//   node test/serve-workerd.mjs [--port N] [--from-env NAME ...] [NAME=VALUE ...]
//
// --from-env takes a binding's value from this process's environment, so that a secret (the
// worker token) never appears in a command line that `ps` shows.
import { execFileSync } from 'node:child_process';
import { fstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Miniflare } from 'miniflare';
import { unstable_readConfig } from 'wrangler';

const folder = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
let port = 0;
const vars = {};
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--port') port = Number(args[++i]);
  else if (args[i] === '--from-env') {
    const name = args[++i];
    if (process.env[name] === undefined) throw new Error(`--from-env ${name}: not in the environment`);
    vars[name] = process.env[name];
  } else {
    const at = args[i].indexOf('=');
    if (at < 1) throw new Error(`expected NAME=VALUE, got ${args[i]}`);
    vars[args[i].slice(0, at)] = args[i].slice(at + 1);
  }
}

const out = mkdtempSync(join(tmpdir(), 'packetfs-worker-bundle-'));
// wrangler as this package declares it, wherever the workspace installed it.
const wrangler = join(dirname(createRequire(import.meta.url).resolve('wrangler/package.json')), 'bin/wrangler.js');
execFileSync(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', out], {
  cwd: folder,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
});
// wrangler.toml's settings and [vars]; a developer's .dev.vars is left out on purpose.
const config = unstable_readConfig({ config: join(folder, 'wrangler.toml') });
const mf = new Miniflare({
  compatibilityDate: config.compatibility_date,
  compatibilityFlags: config.compatibility_flags,
  modules: true,
  modulesRoot: out,
  scriptPath: join(out, 'worker.js'),
  bindings: { ...config.vars, ...vars },
  // The volunteer shards, with WebSocket hibernation as on Cloudflare.
  durableObjects: Object.fromEntries(
    config.durable_objects.bindings.map((b) => [b.name, { className: b.class_name, useSQLite: true }]),
  ),
  host: '127.0.0.1',
  port,
});
const url = await mf.ready;
console.log(`READY ${url.origin}`);

async function stop() {
  await mf.dispose();
  rmSync(out, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// A pipe or socket on stdin is a parent watching: its closing means the parent is gone. A terminal
// or /dev/null (a background job of a script) is not.
const stdin = fstatSync(0);
if (stdin.isFIFO() || stdin.isSocket()) process.stdin.on('end', stop).on('error', stop).resume();
