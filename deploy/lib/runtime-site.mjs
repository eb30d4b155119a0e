// The volunteer runtime as the CDN serves it (infra's BrowserRuntimeStack), for the fabric on this
// machine: the same flat set of files at `/` (browser-runtime/*.js and *.html, the shared kernel,
// the shared window reader), readable by any page (CORS), and `packetfs-runtime.json` telling the
// page which coordinator its volunteers join. Loopback only.
//
//   node deploy/lib/runtime-site.mjs --port N --coordinator ws://127.0.0.1:M/browser
//
// Prints "READY <url>" once listening; stops on SIGTERM or SIGINT.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { basename, join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

/** The files the CDN publishes, relative to the repository, as BrowserRuntimeSite.files lists them. */
export function runtimeFiles() {
  const own = readdirSync(join(root, 'browser-runtime'))
    .filter((f) => /\.(js|html)$/.test(f))
    .sort()
    .map((f) => `browser-runtime/${f}`);
  return [...own, 'kernel/js/packetfs-kernel.mjs', 'worker-protocol/js/range-window.mjs'];
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript' };

/**
 * Serves the runtime on 127.0.0.1:`port` (0: one the kernel picks); `coordinator()` is asked on each
 * request for packetfs-runtime.json, so a test may name it once it is known. Resolves with
 * {url, close()} once listening.
 */
export function startRuntimeSite(port, coordinator) {
  const files = new Map(runtimeFiles().map((f) => [basename(f), f]));
  const server = createServer((request, response) => {
    const headers = {
      'access-control-allow-origin': '*',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    };
    const name = decodeURIComponent(new URL(request.url, 'http://site').pathname.slice(1)) || 'index.html';
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...headers, allow: 'GET, HEAD' }).end();
    } else if (name === 'packetfs-runtime.json') {
      response
        .writeHead(200, { ...headers, 'content-type': 'application/json' })
        .end(JSON.stringify({ coordinator: coordinator() }));
    } else if (files.has(name)) {
      const type = TYPES[name.slice(name.lastIndexOf('.'))];
      response.writeHead(200, { ...headers, 'content-type': type }).end(readFileSync(join(root, files.get(name))));
    } else {
      response.writeHead(404, headers).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () =>
          new Promise((done) => {
            server.close(done);
            server.closeAllConnections();
          }),
      }),
    );
  });
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const args = process.argv.slice(2);
  const value = (name) => {
    const at = args.indexOf(name);
    if (at < 0 || at + 1 >= args.length)
      throw new Error(`usage: runtime-site.mjs --port N --coordinator URL (${name} missing)`);
    return args[at + 1];
  };
  const coordinator = value('--coordinator');
  const site = await startRuntimeSite(Number(value('--port')), () => coordinator);
  console.log(`READY ${site.url}`);
  const stop = () => site.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
