// The pieces the browser tests run against, all real and on loopback: the packaged dispatcher
// (`pfs serve`'s jar, embedded queue), the edge coordinator (the Cloudflare Worker's Durable
// Objects in workerd) with the runtime served as the CDN serves it, an object origin that serves
// byte ranges to pages (CORS), and Debian's Chromium driven by playwright-core (never a downloaded
// browser).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { CHROMIUM_FLAGS } from '../../deploy/lib/chromium.mjs';
import { startRuntimeSite } from '../../deploy/lib/runtime-site.mjs';
import { startWorker } from '../../worker-cloudflare/test/workerd.mjs';

export { startOrigin } from '../../scripts/lib/loopback-origin.mjs';
// A volunteer scripted in Node joining the edge coordinator from a given address, and the shard an
// address belongs to: for tests that place volunteers in shards.
export { volunteer as edgeVolunteer } from '../../worker-cloudflare/test/volunteer.mjs';
export { shardOf } from '../../worker-cloudflare/src/coordinator-rules.mjs';

const root = new URL('../..', import.meta.url).pathname;
const JAR = join(root, 'dispatcher-function/server/target/quarkus-app/quarkus-run.jar');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * The dispatcher jar on a port of the kernel's choosing (QUARKUS_HTTP_PORT=0: nothing can take
 * it between choosing and binding), read from its log; `env` adds configuration.
 */
export async function startDispatcher(env = {}) {
  if (!existsSync(JAR)) throw new Error(`${JAR} is missing: build it first (mvn package, or ./scripts/test)`);
  const child = spawn(process.env.JAVA ?? 'java', ['-Xmx512m', '-jar', JAR], {
    env: {
      ...process.env,
      QUARKUS_HTTP_PORT: '0',
      QUARKUS_HTTP_HOST: '127.0.0.1',
      PACKETFS_FETCH_ALLOW_HOSTS: '127.0.0.1',
      // The test origin is on loopback: volunteers may be sent there only by their own allow-list.
      PACKETFS_BROWSER_ALLOW_HOSTS: '127.0.0.1',
      // Every test page connects from 127.0.0.1.
      PACKETFS_BROWSER_DISTINCT_ADDRESSES: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => {
    log += d;
  });
  child.stderr.on('data', (d) => {
    log += d;
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the dispatcher did not start in 60 s:\n${log}`)), 60_000);
    const listening = () => {
      const m = /Listening on: (http:\/\/[^\s]+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', listening);
    child.stderr.on('data', listening);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`the dispatcher exited:\n${log}`));
    });
  });
  return {
    url,
    pid: child.pid,
    log: () => log,
    async stop() {
      child.kill('SIGKILL');
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    },
    /** The packetfs_browser_* counters from /q/metrics. */
    async browserMetrics() {
      const text = await (await fetch(`${url}/q/metrics`)).text();
      const metrics = {};
      for (const m of text.matchAll(/^packetfs_browser_(\w+?)(?:_total)? ([0-9.eE+-]+)$/gm))
        metrics[m[1]] = Number(m[2]);
      return metrics;
    },
    async submit(job) {
      const r = await fetch(`${url}/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(job),
      });
      if (r.status !== 202) throw new Error(`submit: HTTP ${r.status} ${await r.text()}`);
      return (await r.json()).job_id;
    },
    async awaitResult(jobId, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const r = await fetch(`${url}/results/${jobId}`);
        if (r.status === 200) return r.json();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`no result for ${jobId} in ${timeoutMs} ms`);
    },
  };
}

/**
 * A fabric whose volunteers join `coordinator`: 'dispatcher' (its own /browser; the pages it
 * serves at /browser-runtime/) or 'edge' (the Worker's Durable Objects in workerd; the pages from
 * the runtime site, as from the CDN, which the Worker admits, and the dispatcher leasing there
 * with the worker token). Besides the dispatcher's own methods: `pages` (the volunteer page),
 * `pagesOrigin`, `samePage` (a page of that origin that is not a volunteer), `kernel` (the kernel
 * module's URL), `coordinator` (the WebSocket URL volunteers join) and for the edge `edgeUrl` (the
 * Worker's base URL).
 */
export async function startFabric(coordinator, env = {}) {
  if (coordinator === 'dispatcher') {
    const dispatcher = await startDispatcher(env);
    return {
      ...dispatcher,
      pages: `${dispatcher.url}/browser-runtime/`,
      pagesOrigin: dispatcher.url,
      samePage: `${dispatcher.url}/health`,
      kernel: `${dispatcher.url}/browser-runtime/packetfs-kernel.mjs`,
      coordinator: `${dispatcher.url.replace(/^http/, 'ws')}/browser`,
    };
  }
  const token = randomBytes(24).toString('hex');
  let socket = null;
  const site = await startRuntimeSite(0, () => socket);
  const worker = await startWorker({
    PACKETFS_WORKER_TOKEN: token,
    PACKETFS_FETCH_ALLOW_HOSTS: '127.0.0.1',
    PACKETFS_FETCH_DOH_URL: '',
    PACKETFS_BROWSER_ALLOWED_ORIGINS: site.url,
  }).catch(async (e) => {
    await site.close();
    throw e;
  });
  socket = `${worker.url.replace(/^http/, 'ws')}/browser`;
  const dispatcher = await startDispatcher({
    PACKETFS_BROWSER_EDGE_URL: worker.url,
    PACKETFS_WORKER_TOKEN: token,
    ...env,
  }).catch(async (e) => {
    await Promise.all([worker.stop(), site.close()]);
    throw e;
  });
  return {
    ...dispatcher,
    pages: `${site.url}/`,
    pagesOrigin: site.url,
    samePage: `${site.url}/packetfs-runtime.json`,
    kernel: `${site.url}/packetfs-kernel.mjs`,
    coordinator: socket,
    edgeUrl: worker.url,
    async stop() {
      await Promise.all([dispatcher.stop(), worker.stop(), site.close()]);
    },
  };
}

/** Debian's Chromium, headless, with a fresh profile of its own. */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (./scripts/test does)`);
  const profile = mkdtempSync(join(tmpdir(), 'packetfs-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page that opens the volunteer page at `pages` and is a connected volunteer. */
export async function volunteer(context, pages) {
  const page = await context.newPage();
  await page.goto(pages);
  await page.waitForFunction(() => window.packetfs?.state === 'connected', null, { timeout: 30_000 });
  return page;
}

/** Polls `check` every 50 ms until it returns something truthy, which it resolves with; fails after `timeoutMs`. */
export async function until(what, check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
