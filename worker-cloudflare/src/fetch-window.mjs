// Reads a program's window from its data_url with one Range request per hop and streams it
// through the kernel: the Worker holds one staging buffer, never the window, so a window can be
// larger than the isolate's 128 MB. The three ways an origin answers a range are handled as the
// Java workers' WindowFetcher does: 206 with the range, 200 with the whole object (skipped to the
// window and cut), 416 when the window starts past the end (an empty window).

import { executeWindow, merge } from '../../kernel/js/packetfs-kernel.mjs';
import { AddressRefused } from './address-policy.mjs';

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;
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
 */
export async function fetchAndExecute(p, program, limits, policy, deadline) {
  if (p.length === 0) return executeWindow(program, new Uint8Array(0));
  if (p.length !== null && p.length > limits.maxWindowBytes) {
    throw new FetchError('too_large', `window of ${p.length} bytes exceeds the limit of ${limits.maxWindowBytes}`);
  }
  let url = new URL(p.dataUrl);
  for (let hop = 0; hop <= limits.maxRedirects; hop++) {
    try {
      await policy.check(url);
    } catch (e) {
      if (e instanceof AddressRefused) throw new FetchError('address_refused', e.message);
      throw e;
    }
    const response = await request(url, p, limits, deadline);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new FetchError('origin_rejected', `${p.dataUrl} redirects to a non-HTTP URL`);
      }
      continue;
    }
    return scanResponse(response, url, p, program, limits, deadline);
  }
  throw new FetchError('origin_rejected', `more than ${limits.maxRedirects} redirects from ${p.dataUrl}`);
}

async function request(url, p, limits, deadline) {
  const last = p.length === null ? '' : String(p.offset + p.length - 1);
  const remaining = deadline - Date.now();
  if (remaining <= 0) throw new FetchError('origin_timeout', `no time left to read ${url}`);
  try {
    return await fetch(url, {
      headers: { range: `bytes=${p.offset}-${last}`, 'accept-encoding': 'identity' },
      redirect: 'manual',
      signal: AbortSignal.timeout(remaining),
      // On Cloudflare: keep the object at the edge, so the next window of it is a cache read.
      cf: limits.cacheTtl > 0 ? { cacheEverything: true, cacheTtl: limits.cacheTtl } : { cacheTtl: 0 },
    });
  } catch (e) {
    if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
      throw new FetchError('origin_timeout', `timed out reading ${url}`);
    }
    throw new FetchError('origin_failed', `could not read ${url}: ${e?.message ?? e}`);
  }
}

async function scanResponse(response, url, p, program, limits, deadline) {
  let skip;
  if (response.status === 206) {
    const m = CONTENT_RANGE.exec((response.headers.get('content-range') ?? '').trim());
    if (!m) {
      await response.body?.cancel();
      throw new FetchError('origin_rejected', `${url} answered 206 without a usable Content-Range`);
    }
    if (Number(m[1]) > p.offset) {
      await response.body?.cancel();
      throw new FetchError('origin_rejected', `${url} sent a range starting at ${m[1]}, after the requested ${p.offset}`);
    }
    skip = p.offset - Number(m[1]);
  } else if (response.status === 200) {
    skip = p.offset;
  } else if (response.status === 416) {
    await response.body?.cancel();
    return executeWindow(program, new Uint8Array(0));
  } else {
    await response.body?.cancel();
    const passing = response.status >= 500 || response.status === 429 || response.status === 408;
    throw new FetchError(passing ? 'origin_failed' : 'origin_rejected',
      `${url} answered HTTP ${response.status} to a range request`);
  }
  const scan = new StreamingScan(program, p.op);
  const wanted = p.length === null ? Infinity : p.length;
  const reader = response.body?.getReader();
  let toSkip = skip;
  let taken = 0;
  try {
    while (reader && taken < wanted) {
      const { value, done } = await reader.read();
      if (done) break;
      if (Date.now() > deadline) throw new FetchError('origin_timeout', `window from ${url} not read in time`);
      let chunk = value;
      if (toSkip > 0) {
        const dropped = Math.min(toSkip, chunk.length);
        toSkip -= dropped;
        chunk = chunk.subarray(dropped);
      }
      chunk = chunk.subarray(0, Math.min(chunk.length, wanted - taken));
      if (taken + chunk.length > limits.maxWindowBytes) {
        throw new FetchError('too_large', `window from ${url} exceeds the limit of ${limits.maxWindowBytes} bytes`);
      }
      taken += chunk.length;
      scan.update(chunk);
    }
  } finally {
    // An origin that ignored Range may have much more to send: stop it rather than drain it.
    await reader?.cancel().catch(() => {});
  }
  return scan.result();
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
