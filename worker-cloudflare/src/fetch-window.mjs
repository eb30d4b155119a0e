// Reads a program's window from its data_url with one Range request per hop and streams it
// through the kernel: the Worker holds one staging buffer, never the window, so a window can be
// larger than the isolate's 128 MB. How an origin's answer becomes the window (206, 200 with the
// whole object, 416) is worker-protocol/js/range-window.mjs, shared with the volunteer browsers.

import { executeWindow, merge } from '../../kernel/js/packetfs-kernel.mjs';
import { originFailure, rangeHeader, readWindow } from '../../worker-protocol/js/range-window.mjs';
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
    const scan = new StreamingScan(program, p.op);
    await readWindow(response, p, { maxBytes: limits.maxWindowBytes, onBytes: (piece) => scan.update(piece), deadline, url });
    return scan.result();
  }
  throw new FetchError('origin_rejected', `more than ${limits.maxRedirects} redirects from ${p.dataUrl}`);
}

async function request(url, p, limits, deadline) {
  const remaining = deadline - Date.now();
  if (remaining <= 0) throw new FetchError('origin_timeout', `no time left to read ${url}`);
  try {
    return await fetch(url, {
      headers: { range: rangeHeader(p), 'accept-encoding': 'identity' },
      redirect: 'manual',
      // Also ends a body read that outlives the job's time.
      signal: AbortSignal.timeout(remaining),
      // On Cloudflare: keep the object at the edge, so the next window of it is a cache read.
      cf: limits.cacheTtl > 0 ? { cacheEverything: true, cacheTtl: limits.cacheTtl } : { cacheTtl: 0 },
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
