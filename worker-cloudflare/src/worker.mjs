// The PacketFS worker on Cloudflare Workers: the worker protocol of docs/worker-protocol.md
// over the shared JavaScript kernel, which wrangler bundles from
// kernel/js/packetfs-kernel.mjs (never copied here).
//
//   POST /compute  {"job_id", "program", "timeout_ms"}  (Authorization: Bearer PACKETFS_WORKER_TOKEN)
//   GET  /health
//
// Errors use the vocabulary of every worker, worker-protocol/spec/worker-errors.json: an error_code
// and the HTTP status the table gives it (worker-errors.mjs).
// A job is one request with no state between requests; the dispatcher keeps job state in Redis.
// The one stateful part is the volunteer coordinator under /browser (coordinator.mjs): Durable
// Objects holding volunteer browsers' WebSockets, leased to by a dispatcher with this same token.

import { OPS, ProgramError, executeWindow, validate } from '@packetfs/kernel';
import { WindowError } from '@packetfs/worker-protocol';
import { AddressPolicy, parseAddress } from './address-policy.mjs';
import { coordinate } from './coordinator.mjs';
import { FetchError, fetchAndExecute } from './fetch-window.mjs';
import { failureReply, jsonReply, routingReply } from './worker-errors.mjs';

export { VolunteerShard } from './coordinator.mjs';

const MIN_TOKEN_LENGTH = 16;
const MAX_JOB_ID_CHARS = 200;

// Computations running in this isolate now.
let inFlight = 0;

// Bytes per CPU millisecond of each op in workerd, the slowest of the runs in BENCHMARKS.md
// ("Cloudflare Worker"), rounded down. A Worker cannot time its own CPU (its clocks stand still
// while it computes), so cpu_ms is an estimate; Cloudflare's analytics has the billed figure.
const BYTES_PER_CPU_MS = { crc32c: 300_000, fnv64: 250_000, counteq: 300_000, xor: 1_000_000, add: 400_000 };

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const settings = configure(env);
    if (url.pathname === '/health') {
      if (request.method !== 'GET' && request.method !== 'HEAD') return routingReply(405, '/health takes GET');
      return health(request, settings);
    }
    const coordinated = await coordinate(request, env, url, (r) => denied(r, settings));
    if (coordinated) return coordinated;
    if (url.pathname !== '/compute') {
      return routingReply(
        404,
        `no such endpoint: ${request.method} ${url.pathname}; this worker serves POST /compute, GET /health and the volunteer coordinator under /browser`,
      );
    }
    if (request.method !== 'POST') return routingReply(405, '/compute takes POST');
    const refused = await denied(request, settings);
    if (refused) return refused;
    // Requests in one isolate share its 128 MB: past the cap, push back rather than run out.
    if (inFlight >= settings.maxConcurrency) {
      return failureReply('busy', `all ${settings.maxConcurrency} slots of this isolate are busy`);
    }
    inFlight++;
    try {
      return await compute(request, settings);
    } finally {
      inFlight--;
    }
  },
};

/** Settings from the Worker's vars and secrets (wrangler.toml, `wrangler secret`, .dev.vars). */
function configure(env) {
  const token = env.PACKETFS_WORKER_TOKEN ?? '';
  const doh = env.PACKETFS_FETCH_DOH_URL ?? '';
  return {
    token,
    misconfigured:
      token.trim().length < MIN_TOKEN_LENGTH
        ? `this worker has no usable PACKETFS_WORKER_TOKEN secret (at least ${MIN_TOKEN_LENGTH} characters)`
        : null,
    location: env.PACKETFS_WORKER_LOCATION ?? '',
    maxBodyBytes: positive(env.PACKETFS_WORKER_MAX_BODY_BYTES, 6 * 1024 * 1024),
    maxDurationMs: positive(env.PACKETFS_WORKER_MAX_DURATION_MS, 30_000),
    maxMemoryMb: positive(env.PACKETFS_WORKER_MAX_MEMORY_MB, 128),
    maxConcurrency: positive(env.PACKETFS_WORKER_MAX_CONCURRENCY, 32),
    limits: {
      maxWindowBytes: positive(env.PACKETFS_FETCH_MAX_WINDOW_BYTES, 256 * 1024 * 1024),
      maxRedirects: positive(env.PACKETFS_FETCH_MAX_REDIRECTS, 3),
      cacheTtl: positive(env.PACKETFS_FETCH_CACHE_TTL, 0),
    },
    policy: new AddressPolicy(
      env.PACKETFS_FETCH_ALLOW_HOSTS,
      doh ? (name, signal) => resolve(doh, name, signal) : null,
    ),
  };
}

function positive(value, fallback) {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isSafeInteger(n) && n >= 0 ? n : fallback;
}

/**
 * Compares digests, so the time taken says nothing about how much of the token matched. The
 * scheme is matched in any case (RFC 7235 §2.1), as the Java workers and the dispatcher do.
 */
/** Why a dispatcher's request is refused (no usable token here, or not its token), or null. */
async function denied(request, settings) {
  if (settings.misconfigured) return failureReply('internal', settings.misconfigured);
  if (!(await authorized(request.headers.get('authorization'), settings.token))) {
    return failureReply('unauthorized', 'Authorization: Bearer <PACKETFS_WORKER_TOKEN> is missing or wrong', null, {
      'www-authenticate': 'Bearer',
    });
  }
  return null;
}

async function authorized(header, token) {
  const bearer = /^\s*bearer +(\S+)\s*$/i.exec(header ?? '');
  if (!bearer) return false;
  const encoder = new TextEncoder();
  const [given, wanted] = await Promise.all(
    [bearer[1], token].map((t) => crypto.subtle.digest('SHA-256', encoder.encode(t))),
  );
  return crypto.subtle.timingSafeEqual(given, wanted);
}

function health(request, settings) {
  return jsonReply(settings.misconfigured ? 503 : 200, {
    status: settings.misconfigured ? 'misconfigured' : 'ok',
    ...(settings.misconfigured ? { error: settings.misconfigured } : {}),
    capabilities: {
      max_memory_mb: settings.maxMemoryMb,
      max_duration_ms: settings.maxDurationMs,
      max_body_bytes: settings.maxBodyBytes,
      max_concurrency: settings.maxConcurrency,
      ops: OPS,
    },
    location: location(settings, request),
  });
}

async function compute(request, settings) {
  const started = Date.now();
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > settings.maxBodyBytes) {
    await discardBody(request, declared, settings.maxBodyBytes);
    return failureReply('too_large', `body of ${declared} bytes exceeds the limit of ${settings.maxBodyBytes}`);
  }
  const bytes = await readLimited(request, settings.maxBodyBytes);
  if (bytes === null) {
    return failureReply('too_large', `body exceeds the limit of ${settings.maxBodyBytes} bytes`);
  }
  let body;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    return failureReply('bad_request', `body is not valid JSON: ${e.message}`);
  }
  let job;
  try {
    job = parseRequest(body);
  } catch (e) {
    if (e instanceof ProgramError) return failureReply('bad_request', e.message, jobIdOf(body));
    throw e;
  }
  const deadline = started + Math.min(job.timeoutMs ?? settings.maxDurationMs, settings.maxDurationMs);
  let result;
  try {
    result =
      job.p.dataUrl === null
        ? executeWindow(job.program, windowOf(job.p))
        : await fetchAndExecute(job.p, job.program, settings.limits, settings.policy, deadline);
  } catch (e) {
    if (e instanceof FetchError || e instanceof WindowError)
      return failureReply(e.code, `data_url: ${e.message}`, job.jobId);
    if (e instanceof ProgramError) return failureReply('bad_request', e.message, job.jobId);
    return failureReply('internal', `worker failed: ${e}`, job.jobId);
  }
  return jsonReply(200, {
    success: true,
    job_id: job.jobId,
    result,
    execution_time_ms: Date.now() - started,
    bytes_processed: result.bytes_processed,
    location: location(settings, request),
    billed: { requests: 1, cpu_ms: estimateCpuMs(job.p.op, result.bytes_processed) },
  });
}

// A 413 for a body the Worker has not read to its end races the client. workerd discards only a
// little of an upload a Worker left unread, then closes the connection; closing a socket with
// unread bytes makes the kernel send a TCP reset, and a client still uploading (undici, Node's
// http) fails its next write with EPIPE or ECONNRESET and destroys the socket without reading the
// 413 already waiting in its receive buffer: the caller sees "fetch failed", not too_large. So a
// refused body is read and dropped to its end, then answered, and the connection ends cleanly.
// Only up to DRAIN_FACTOR times the limit: a client that far past max_body_bytes (published by
// /health) is cut off, reset and all, rather than have the Worker read megabytes to throw away.
const DRAIN_FACTOR = 2;

/** Reads and drops a body declared too large, when it is small enough to drain. */
async function discardBody(request, declared, limit) {
  if (declared > DRAIN_FACTOR * limit) return;
  await drain(request.body?.getReader(), declared);
}

/** Reads and drops at most `budget` more bytes; cancels the body if it goes on past them. */
async function drain(reader, budget) {
  let left = budget;
  while (reader && left >= 0) {
    const { value, done } = await reader.read().catch(() => ({ done: true }));
    if (done) return;
    left -= value.length;
  }
  await reader?.cancel().catch(() => {});
}

/** The request body, or null past `limit` bytes (a chunked body has no Content-Length to check). */
async function readLimited(request, limit) {
  const chunks = [];
  let total = 0;
  const reader = request.body?.getReader();
  while (reader) {
    const { value, done } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await drain(reader, DRAIN_FACTOR * limit - total);
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/** {"job_id", "program", "timeout_ms"} checked as the Java workers' WorkerRequest does. */
function parseRequest(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ProgramError('body', 'must be a JSON object {"job_id", "program", "timeout_ms"}');
  }
  const id = body.job_id;
  if (id !== undefined && id !== null && (typeof id !== 'string' || id.length > MAX_JOB_ID_CHARS)) {
    throw new ProgramError('job_id', `must be a string of at most ${MAX_JOB_ID_CHARS} characters`);
  }
  const timeout = body.timeout_ms;
  if (timeout !== undefined && timeout !== null && !(Number.isSafeInteger(timeout) && timeout > 0)) {
    throw new ProgramError('timeout_ms', 'must be a positive integer number of milliseconds');
  }
  if (body.program === undefined || body.program === null) throw new ProgramError('program', 'is required');
  const p = validate(body.program);
  return { jobId: id ?? null, program: body.program, p, timeoutMs: timeout ?? null };
}

function jobIdOf(body) {
  return body && typeof body.job_id === 'string' ? body.job_id : null;
}

function windowOf(p) {
  const start = Math.min(p.offset, p.data.length);
  const end = p.length === null ? p.data.length : Math.min(p.data.length, start + p.length);
  return p.data.subarray(start, end);
}

function estimateCpuMs(op, bytes) {
  return Math.max(1, Math.ceil(bytes / BYTES_PER_CPU_MS[op]));
}

/**
 * The Cloudflare data center that ran the request (request.cf.colo), unless
 * PACKETFS_WORKER_LOCATION says otherwise (.dev.vars sets "local": wrangler dev's cf is a mock).
 */
function location(settings, request) {
  return settings.location || request.cf?.colo || 'unknown';
}

/**
 * A request for a path or method this Worker does not serve: HTTP's own answer about the URL,
 * with no error_code, because every error_code travels with its table status (a dispatcher only
 * ever calls POST /compute and GET /health).
 */
/**
 * A name's A and AAAA addresses from a DNS-over-HTTPS JSON resolver (16-byte arrays). A resolver
 * that fails or answers nonsense fails the job for now (origin_failed); `signal` (the job's
 * deadline) ends the look-up.
 */
async function resolve(dohUrl, name, signal) {
  const answers = await Promise.all(
    ['A', 'AAAA'].map(async (type) => {
      const query = new URL(dohUrl);
      query.searchParams.set('name', name);
      query.searchParams.set('type', type);
      let json;
      try {
        const response = await fetch(query, { headers: { accept: 'application/dns-json' }, signal });
        if (!response.ok) {
          response.body?.cancel().catch(() => {});
          throw new FetchError('origin_failed', `could not resolve ${name}: DNS answered HTTP ${response.status}`);
        }
        json = await response.json();
      } catch (e) {
        if (e instanceof FetchError) throw e;
        if (signal?.aborted) throw new FetchError('origin_timeout', `no time left to resolve ${name}`);
        throw new FetchError('origin_failed', `could not resolve ${name}: ${e?.message ?? e}`);
      }
      const records = Array.isArray(json?.Answer) ? json.Answer : [];
      return records
        .filter((a) => (a?.type === 1 || a?.type === 28) && typeof a.data === 'string')
        .map((a) => parseAddress(a.data))
        .filter(Boolean);
    }),
  );
  return answers.flat();
}
