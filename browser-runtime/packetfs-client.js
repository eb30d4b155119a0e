// PacketFS in a browser: join the fabric as a volunteer, and submit jobs to it.
//
//   import { PacketFSBrowserCompute } from 'https://dispatcher.example/browser-runtime/packetfs-client.js';
//   const fabric = await new PacketFSBrowserCompute().initialize();   // computes leases from now on
//   const id = await fabric.submitJob({ op: 'crc32c', data: 'MTIzNDU2Nzg5' });
//   fabric.onResult(id, (result) => console.log(result));
//
// initialize() registers the Service Worker (same-origin pages only), starts Web Workers that run
// the shared kernel off the main thread, and joins a coordinator over a WebSocket (protocol in
// README.md): the dispatcher's own `/browser`, or the edge coordinator's (the Cloudflare Worker's)
// when `coordinator` names it. It reconnects after a dropped connection, except when the
// coordinator closed it on purpose (1008: e.g. a result failed verification).

const RUNTIME = new URL('./', import.meta.url);

export class PacketFSBrowserCompute extends EventTarget {
  /**
   * @param {object} [options]
   * @param {string} [options.dispatcher] the dispatcher's base URL; default: where this script came from
   * @param {string} [options.coordinator] the WebSocket URL volunteers join, e.g. the edge
   *   coordinator's `wss://<worker>/browser`; default: the dispatcher's `/browser`
   * @param {number} [options.concurrency] leases computed at once (one Web Worker each)
   * @param {string} [options.apiKey] for submitJob/onResult when the dispatcher has PACKETFS_API_KEY
   * @param {boolean} [options.serviceWorker] register the Service Worker (default true)
   */
  constructor(options = {}) {
    super();
    this.dispatcher = new URL(options.dispatcher ?? new URL('/', RUNTIME));
    this.coordinator = coordinatorUrl(options.coordinator ?? new URL('/browser', this.dispatcher));
    this.concurrency = options.concurrency ?? Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1));
    this.apiKey = options.apiKey;
    this.useServiceWorker = options.serviceWorker ?? true;
    this.state = 'idle';
    this.node = null;
    this.computed = 0;
    this.failed = 0;
    this.workers = [];
    this.idle = [];
    this.backlog = [];
    this.socket = null;
    this.retryMs = 500;
    this.stopped = false;
  }

  /** What this browser offers, as sent to the coordinator. */
  capabilities() {
    const memory = navigator.deviceMemory;
    return {
      cores: navigator.hardwareConcurrency || 1,
      memory_class: memory === undefined ? 'unknown' : memory < 2 ? 'low' : memory < 8 ? 'mid' : 'high',
      ua_class: userAgentClass(),
      concurrency: this.concurrency,
    };
  }

  async initialize() {
    this.stopped = false;
    if (this.useServiceWorker && 'serviceWorker' in navigator) {
      try {
        this.serviceWorker = await navigator.serviceWorker.register(new URL('packetfs-sw.js', RUNTIME), {
          type: 'module',
          scope: RUNTIME.pathname,
        });
      } catch (e) {
        // A page on another origin cannot register this origin's worker; computing does not need it.
        this.serviceWorkerError = String(e?.message ?? e);
      }
    }
    for (let i = 0; i < this.concurrency; i++) this.workers.push(this.startWorker());
    this.idle = [...this.workers];
    await this.connect();
    return this;
  }

  startWorker() {
    const url = new URL('packetfs-worker.js', RUNTIME);
    let worker;
    try {
      worker = new Worker(url, { type: 'module' });
    } catch {
      // Cross-origin pages may not start a worker from this script's origin directly.
      const shim = URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' }));
      worker = new Worker(shim, { type: 'module' });
    }
    worker.onmessage = (event) => this.finished(worker, event.data);
    return worker;
  }

  connect() {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.coordinator);
      this.socket = socket;
      this.setState('connecting');
      socket.onopen = () =>
        socket.send(JSON.stringify({ type: 'hello', version: 1, capabilities: this.capabilities() }));
      socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.type === 'welcome') {
          this.node = message.node;
          this.retryMs = 500;
          this.setState('connected');
          resolve(this);
        } else if (message.type === 'lease') {
          this.backlog.push(message);
          this.pump();
        }
      };
      socket.onclose = (event) => {
        this.backlog.length = 0; // the coordinator re-leases what this page held
        if (this.stopped || event.code === 1008) {
          this.setState(event.code === 1008 ? 'dropped' : 'stopped', event.reason);
          reject(new Error(`coordinator closed the connection: ${event.reason || event.code}`));
          return;
        }
        this.setState('reconnecting');
        setTimeout(() => this.connect().catch(() => {}), this.retryMs);
        this.retryMs = Math.min(30_000, this.retryMs * 2);
      };
    });
  }

  pump() {
    while (this.idle.length > 0 && this.backlog.length > 0) {
      const worker = this.idle.pop();
      worker.postMessage(this.backlog.shift());
    }
  }

  finished(worker, answer) {
    this.idle.push(worker);
    if (answer.error !== undefined) this.failed++;
    else this.computed++;
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(leaseAnswer(answer)));
    this.dispatchEvent(new CustomEvent('computed', { detail: answer }));
    this.pump();
  }

  setState(state, detail) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, detail } }));
  }

  /** Leaves the fabric: leases in hand go back to the coordinator. */
  stop() {
    this.stopped = true;
    this.socket?.close(1000, 'volunteer left');
    for (const w of this.workers) w.terminate();
    this.workers = [];
    this.idle = [];
  }

  /**
   * Submits a program as a job; resolves with its job_id. Jobs from a page are public by
   * default (volunteers may see their data); options: substrate, public, job_id, max_cost_usd.
   */
  async submitJob(program, options = {}) {
    const response = await fetch(new URL('/jobs', this.dispatcher), {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ public: true, ...options, program }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
    return body.job_id;
  }

  /**
   * Calls back once with the job's result ({job_id, status, result, substrate, ...}); returns a
   * function that stops waiting.
   */
  onResult(jobId, callback) {
    let cancelled = false;
    let delay = 50;
    const poll = async () => {
      if (cancelled) return;
      try {
        const response = await fetch(new URL(`/results/${encodeURIComponent(jobId)}`, this.dispatcher), {
          headers: this.headers(),
        });
        if (response.status === 200) {
          callback(await response.json());
          return;
        }
      } catch {
        // the dispatcher is unreachable for now: keep waiting
      }
      delay = Math.min(1000, delay * 1.5);
      setTimeout(poll, delay);
    };
    poll();
    return () => {
      cancelled = true;
    };
  }

  headers(extra = {}) {
    return this.apiKey ? { ...extra, authorization: `Bearer ${this.apiKey}` } : extra;
  }
}

/**
 * The coordinator's message for a Web Worker's answer (packetfs-worker.js): the result, or the
 * error with the worker protocol's error_code when the Web Worker knew it, so the dispatcher can
 * tell a job's object that changed (object_changed) from a volunteer that failed.
 */
export function leaseAnswer({ lease, result, error, code }) {
  if (error === undefined) return { type: 'result', lease, result };
  return { type: 'error', lease, error, ...(code ? { error_code: code } : {}) };
}

/**
 * Where this runtime's deployment says volunteers join: `packetfs-runtime.json` beside this script
 * (`{"coordinator": "wss://…/browser"}`, written by deploy-all for the CDN, served by a dispatcher
 * whose volunteers are at the edge); without it, the defaults of the constructor.
 */
export async function deploymentOptions() {
  try {
    const response = await fetch(new URL('packetfs-runtime.json', RUNTIME), { cache: 'no-cache' });
    if (!response.ok) return {};
    const { coordinator } = await response.json();
    return typeof coordinator === 'string' && coordinator ? { coordinator } : {};
  } catch {
    return {};
  }
}

/** A WebSocket URL: http(s) becomes ws(s). */
function coordinatorUrl(url) {
  const u = new URL(url);
  if (u.protocol === 'https:') u.protocol = 'wss:';
  else if (u.protocol === 'http:') u.protocol = 'ws:';
  return u;
}

function userAgentClass() {
  const brands = navigator.userAgentData?.brands?.map((b) => b.brand.toLowerCase()) ?? [];
  const ua = navigator.userAgent.toLowerCase();
  if (brands.some((b) => b.includes('chrom')) || ua.includes('chrome/')) return 'chromium';
  if (ua.includes('firefox/')) return 'firefox';
  if (ua.includes('safari/')) return 'safari';
  return 'other';
}
