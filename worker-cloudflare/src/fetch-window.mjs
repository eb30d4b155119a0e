// Reads a program's window from its data_url with one Range request per hop and streams it
// through the kernel: the Worker holds one staging buffer, never the window, so a window can be
// larger than the isolate's 128 MB. How an origin's answer becomes the window (206, 200 with the
// whole object, 416), and whether it is the version the program pins, is
// worker-protocol/js/range-window.mjs, shared with the volunteer browsers.

import { MAX_URL_LENGTH, executeWindow, ipv4SpellingProblem, merge } from '@packetfs/kernel';
import { originFailure, preconditionHeaders, rangeHeader, readWindow } from '@packetfs/worker-protocol';
import { AddressRefused } from './address-policy.mjs';

const STAGING_BYTES = 256 * 1024;

/** A failure to read the window, with the worker protocol's error code. */
export class FetchError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/**
 * Runs program `p` (validated, with dataUrl) over its window. `limits`: { maxWindowBytes,
 * maxRedirects, cacheTtl }; `policy`: an AddressPolicy; `deadline`: Date.now()-based ms.
 * Fails with a FetchError, or a WindowError (range-window.mjs) once the origin has answered.
 *
 * The deadline bounds everything: DNS look-ups, connecting, waiting for the answer, each read of
 * the body and the whole of it. When it passes, or when the read fails or is refused for any
 * reason, the origin's request is aborted and its body cancelled, never drained, and this
 * returns at once.
 *
 * A read through Cloudflare's cache (cacheTtl > 0) that finds another version than the program
 * pins is read once more past the cache, and that answer decides: a copy cached before the plan
 * was made may be an older version, which is not the object changing during the job.
 */
export async function fetchAndExecute(p, program, limits, policy, deadline) {
  if (p.length === 0) return executeWindow(program, new Uint8Array(0));
  if (p.length !== null && p.length > limits.maxWindowBytes) {
    throw new FetchError('too_large', `window of ${p.length} bytes exceeds the limit of ${limits.maxWindowBytes}`);
  }
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      abort.abort(new DOMException(`${p.dataUrl} not read in time`, 'TimeoutError'));
    },
    Math.max(0, deadline - Date.now()),
  );
  const read = (cache) => readThroughRedirects(p, program, limits, policy, deadline, abort.signal, cache);
  try {
    // On Cloudflare: keep the object at the edge, so the next window of it is a cache read.
    const cached = limits.cacheTtl > 0;
    try {
      return await read(
        cached ? { cf: { cacheEverything: true, cacheTtl: limits.cacheTtl } } : { cf: { cacheTtl: 0 } },
      );
    } catch (e) {
      if (e?.code !== 'object_changed' || !cached) throw e;
      // Past the cache (the fetch cache option, compatibility date 2024-11-11 on).
      return await read({ cache: 'no-store' });
    }
  } catch (e) {
    // Whatever the abort made fail (a fetch, a read, a DNS look-up), the cause is the deadline.
    if (timedOut && e?.code !== 'origin_timeout')
      throw new FetchError('origin_timeout', `${p.dataUrl} was not read in time`);
    throw e;
  } finally {
    clearTimeout(timer);
    // Success or not, nothing more is wanted from the origin: end whatever is still open.
    abort.abort();
  }
}

/** Reads the window hop by hop; `cache`: the fetch() options that say how Cloudflare's cache is used. */
async function readThroughRedirects(p, program, limits, policy, deadline, signal, cache) {
  let url = new URL(p.dataUrl);
  let written = p.dataUrl;
  let base = null;
  for (let hop = 0; hop <= limits.maxRedirects; hop++) {
    await checkAddress(policy, url, { written, base, signal }, hop === 0 ? '' : ` (a redirect from ${base})`);
    const response = await request(url, p, signal, cache);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      response.body?.cancel().catch(() => {});
      [written, base] = [location, url];
      url = redirectTarget(location, base);
      continue;
    }
    const scan = new StreamingScan(program, p.op);
    await readWindow(response, p, {
      maxBytes: limits.maxWindowBytes,
      onBytes: (piece) => scan.update(piece),
      deadline,
      signal,
      url,
    });
    return scan.result();
  }
  throw new FetchError('origin_rejected', `more than ${limits.maxRedirects} redirects from ${p.dataUrl}`);
}

async function checkAddress(policy, url, how, from) {
  try {
    await policy.check(url, how);
  } catch (e) {
    if (e instanceof AddressRefused) throw new FetchError('address_refused', `${e.message}${from}`);
    throw e;
  }
}

/**
 * Where a redirect leads: a URL a program may name (http or https, at most MAX_URL_LENGTH
 * characters, any IPv4 host written as four decimal numbers), else the origin's answer is
 * unusable for good, as the Java fetcher judges it (Program.checkUrl on the target).
 */
function redirectTarget(location, base) {
  let target;
  try {
    target = new URL(location, base);
  } catch {
    throw new FetchError('origin_rejected', `${base} redirects to a malformed URL: '${abbreviate(location)}'`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new FetchError('origin_rejected', `${base} redirects to a non-HTTP URL: '${abbreviate(location)}'`);
  }
  const problem =
    target.href.length > MAX_URL_LENGTH
      ? `is longer than ${MAX_URL_LENGTH} characters`
      : ipv4SpellingProblem(location, base);
  if (problem !== null) {
    throw new FetchError(
      'origin_rejected',
      `${base} redirects to '${abbreviate(location)}', which is not a URL a program may name: ${problem}`,
    );
  }
  return target;
}

function abbreviate(s) {
  return s.length <= 80 ? s : `${s.slice(0, 77)}...`;
}

async function request(url, p, signal, cache) {
  try {
    return await fetch(url, {
      // The precondition goes on every hop: a redirect may lead to a store that honours it.
      headers: { range: rangeHeader(p), 'accept-encoding': 'identity', ...preconditionHeaders(p.version) },
      redirect: 'manual',
      // Aborts connecting, the wait for the answer and any read of its body.
      signal,
      ...cache,
    });
  } catch (e) {
    throw originFailure(e, url);
  }
}

/**
 * The kernel over a window that arrives in pieces: pieces are gathered into a staging buffer and
 * each full buffer is run as its own window, merged into the running result (fnv64 chains
 * through fnv_state) — the merge rules that let windows run on different substrates.
 */
class StreamingScan {
  constructor(program, op) {
    this.program = { ...program };
    this.op = op;
    this.staging = new Uint8Array(STAGING_BYTES);
    this.filled = 0;
    this.total = null;
  }

  update(bytes) {
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(bytes.length - at, this.staging.length - this.filled);
      this.staging.set(bytes.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.staging.length) this.flush();
    }
  }

  flush() {
    if (this.filled === 0 && this.total !== null) return;
    const part = executeWindow(this.program, this.staging.subarray(0, this.filled));
    this.total = this.total === null ? part : merge(this.op, this.total, part);
    if (this.op === 'fnv64') this.program.fnv_state = part.hash;
    this.filled = 0;
  }

  result() {
    this.flush();
    return this.total;
  }
}
