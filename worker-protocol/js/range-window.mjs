// One window of an object read over HTTP Range, for every JavaScript runtime that reads data_url
// windows: the Cloudflare Worker (workerd) and the volunteer browsers. No imports, so the
// dispatcher can serve it flat next to the browser runtime and wrangler can bundle it unchanged.
//
// An origin answers a range request in one of three ways, read as the Java workers'
// WindowFetcher reads them: 206 with the range (its Content-Range checked), 200 with the whole
// object (skipped to the window and cut), 416 when the window starts past the end (an empty
// window). The window is streamed in pieces, never held whole, and the body is cancelled as soon
// as the window is complete, over the cap, late or failed: an origin that ignores Range may have
// gigabytes left, and a slow one may never finish. Nothing waits on the cancelled body.
//
// A program may pin the version of its object (docs/kernel.md, "Versions"). The request then
// carries the precondition, and the answer is judged by its status and headers before any byte
// of its body is used, as worker-protocol/spec/version-checks.json has it: an origin may ignore
// the precondition, and a cache may hold another version.
//
//   rangeHeader(window)                       the Range header asking for the window
//   preconditionHeaders(version)              the headers asking for the pinned version only
//   versionProblem(version, status, headers, url)  why an answer is not the pinned version, or null
//   readWindow(response, window, options)     streams the window's bytes to options.onBytes
//   originFailure(error, url)                 a WindowError for a fetch() or body read that failed

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

/**
 * A window that could not be read. `code` is the worker protocol's error code
 * (worker-protocol/spec/worker-errors.json): too_large, object_changed (the object is no longer the
 * version the program pins), origin_rejected (the origin refused the window for good),
 * origin_failed (it may pass) or origin_timeout.
 */
export class WindowError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'WindowError';
    this.code = code;
  }
}

/** `bytes=first-last` for window {offset, length} (length > 0, or null for "to the end"). */
export function rangeHeader({ offset, length }) {
  return `bytes=${offset}-${length === null ? '' : offset + length - 1}`;
}

/**
 * The request headers that ask the origin for `version` ({etag, lastModified, size} of a validated
 * program, or null) and nothing else, lower-case names: If-Match for a strong entity tag,
 * If-Unmodified-Since for a date, none for a weak tag (If-Match compares strongly, so a weak tag
 * never matches: RFC 9110 §13.1.1) or a size alone. The answer is judged by versionProblem either
 * way.
 */
export function preconditionHeaders(version) {
  const { etag = null, lastModified = null } = version ?? {};
  if (etag !== null && !etag.startsWith('W/')) return { 'if-match': etag };
  if (lastModified !== null) return { 'if-unmodified-since': lastModified };
  return {};
}

/**
 * Why an answer (its `status` and `headers`, a Headers object) to a request for `version` is not
 * that version, as a WindowError, or null when it may be read. A 412 is object_changed; a 200,
 * 206 or 416 must carry the pinned ETag or Last-Modified exactly (without it: origin_rejected) and,
 * when it states the object's size, the pinned size. Other statuses say nothing of the version and
 * are left to readWindow.
 */
export function versionProblem(version, status, headers, url) {
  if (!version) return null;
  const { etag = null, lastModified = null, size = null } = version;
  const [validator, pinned] =
    etag !== null ? ['ETag', etag] : lastModified !== null ? ['Last-Modified', lastModified] : [null, null];
  if (status === 412) {
    // As the Java fetcher words it; many origins name the version they hold now in the 412 itself.
    const what = [validator && `${validator} ${pinned}`, size !== null && `${size} bytes`].filter(Boolean).join(', ');
    const nowTag = headers.get('etag')?.trim();
    const nowDate = headers.get('last-modified')?.trim();
    const now = nowTag
      ? `; it is now ETag ${abbreviate(nowTag)}`
      : nowDate
        ? `; it is now Last-Modified ${abbreviate(nowDate)}`
        : '';
    return new WindowError(
      'object_changed',
      `${url} answered 412 Precondition Failed: the object is no longer ${what}${now}`,
    );
  }
  if (status !== 200 && status !== 206 && status !== 416) return null;
  if (validator) {
    const answered = headers.get(validator)?.trim();
    if (answered === undefined) {
      // Cross-origin readers (browsers) see ETag and Last-Modified only when the origin exposes them.
      return new WindowError(
        'origin_rejected',
        `${url} answered without the ${validator} the program pins (an origin read cross-origin must expose ${validator} by CORS)`,
      );
    }
    if (answered !== pinned) {
      return new WindowError(
        'object_changed',
        `${url} is no longer the version the program pins: it answered ${validator} ${abbreviate(answered)} where the program pins ${validator} ${pinned}`,
      );
    }
  }
  const stated = size === null ? null : statedSize(status, headers);
  if (stated !== null && stated !== String(size)) {
    return new WindowError(
      'object_changed',
      `${url} is no longer the version the program pins: its size is ${stated} bytes where the program pins ${size}`,
    );
  }
  return null;
}

/**
 * Streams the window {offset, length} of `response` (the answer to rangeHeader(window) and
 * preconditionHeaders(window.version)) to `onBytes(Uint8Array)` in order, in pieces that are only
 * valid during the call. `window` is a validated program: when it pins a `version`, an answer that
 * is not that version is refused before any byte reaches onBytes. Resolves with the number of
 * window bytes delivered: fewer than `length` when the object ends first.
 *
 * options: maxBytes   window bytes allowed; one more is a too_large WindowError
 *          onBytes    called for each non-empty piece; what it throws ends the read
 *          deadline   Date.now() after which the read fails with origin_timeout, even while a
 *                     read is waiting for bytes that do not come (optional)
 *          signal     an AbortSignal that ends the read likewise (optional): the one given to
 *                     fetch() for this response, whose abort a runtime may or may not pass on to
 *                     a body read already waiting
 *          url        names the origin in error messages (default: response.url)
 */
export async function readWindow(
  response,
  { offset, length, version = null },
  { maxBytes, onBytes, deadline = Infinity, signal, url = response.url },
) {
  let span;
  try {
    const problem = versionProblem(version, response.status, response.headers, url);
    if (problem) throw problem;
    span = bodySpan(response, offset, length, url);
  } catch (e) {
    discard(response);
    throw e;
  }
  if (span === null) {
    discard(response);
    return 0;
  }
  return stream(response.body, span, { maxBytes, onBytes, deadline, signal, url });
}

/** A fetch() or body read that threw, as a WindowError: a timeout or abort, or a failure that may pass. */
export function originFailure(error, url) {
  if (error instanceof WindowError) return error;
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError') {
    return new WindowError('origin_timeout', `timed out reading ${url}`);
  }
  return new WindowError('origin_failed', `could not read ${url}: ${error?.message ?? error}`);
}

/**
 * Where the window lies in the body: {skip, take, bodyLength} (bytes before the window, window
 * bytes wanted, the body's length when the origin said it), or null for an empty window (416).
 */
function bodySpan(response, offset, length, url) {
  const take = length ?? Infinity;
  if (response.status === 200) return { skip: offset, take, bodyLength: null };
  if (response.status === 416) return null;
  if (response.status !== 206) {
    // 408, 429 and 5xx may pass on a retry or elsewhere; anything else will be refused again.
    const passing = response.status >= 500 || response.status === 429 || response.status === 408;
    throw new WindowError(
      passing ? 'origin_failed' : 'origin_rejected',
      `${url} answered HTTP ${response.status} to a range request`,
    );
  }
  const range = contentRange(response, url);
  if (range.first > offset) {
    throw new WindowError(
      'origin_rejected',
      `${url} sent a range starting at ${range.first}, after the requested ${offset}`,
    );
  }
  // A range that stops short of both the window's end and the object's end would compute a
  // smaller window and call it a success. With the length unknown ("*"), the object may end there.
  const lastWanted = Math.min(offset + take - 1, range.total - 1);
  if (range.last < offset || (range.total !== Infinity && range.last < lastWanted)) {
    throw new WindowError('origin_rejected', `${url} sent ${range.text}, short of the requested window`);
  }
  return { skip: offset - range.first, take, bodyLength: range.last - range.first + 1 };
}

/**
 * The object's size an answer states, in decimal digits, or null: the total of a 206's or 416's
 * Content-Range (not "*"), the Content-Length of a 200. Digits, not a number, so a size past
 * 2^53 - 1 is compared as written rather than rounded onto the pinned one.
 */
function statedSize(status, headers) {
  const m =
    status === 200
      ? /^(\d+)$/.exec((headers.get('content-length') ?? '').trim())
      : /\/(\d+)$/.exec((headers.get('content-range') ?? '').trim());
  return m === null ? null : m[1].replace(/^0+(?=\d)/, '');
}

/** {text, first, last, total} of a 206's Content-Range; total is Infinity for an unknown length ("*"). */
function contentRange(response, url) {
  const text = (response.headers.get('content-range') ?? '').trim();
  const m = CONTENT_RANGE.exec(text);
  const range = m && { text, first: Number(m[1]), last: Number(m[2]), total: m[3] === '*' ? Infinity : Number(m[3]) };
  // Past 2^53 - 1 a number is no longer held exactly, and no window reaches there.
  if (range && ![range.first, range.last, range.total].every((n) => Number.isSafeInteger(n) || n === Infinity)) {
    throw new WindowError(
      'origin_rejected',
      `${url} answered 206 with a Content-Range past 2^53 - 1: ${text.slice(0, 100)}`,
    );
  }
  if (!range || range.first > range.last || range.last >= range.total) {
    // Cross-origin readers (browsers) see Content-Range only when the origin exposes it by CORS.
    throw new WindowError(
      'origin_rejected',
      `${url} answered 206 without a usable Content-Range (an origin read cross-origin must expose it by CORS)`,
    );
  }
  return range;
}

/**
 * Reads body bytes [skip, skip + take) into onBytes. The loop reads at most skip + take bytes
 * (take is capped by maxBytes), since an HTTP/1.1 body cannot send an empty piece forever.
 */
async function stream(body, { skip, take, bodyLength }, { maxBytes, onBytes, deadline, signal, url }) {
  const reader = body?.getReader();
  const stop = stopper(deadline, signal, url);
  let toSkip = skip;
  let taken = 0;
  let read = 0;
  try {
    while (reader && taken < take) {
      const { value, done } = await Promise.race([reader.read(), stop.promise]).catch((e) => {
        throw originFailure(e, url);
      });
      if (done) break;
      if (Date.now() > deadline) throw new WindowError('origin_timeout', `window from ${url} not read in time`);
      read += value.length;
      const dropped = Math.min(toSkip, value.length);
      toSkip -= dropped;
      const piece = value.subarray(dropped, dropped + Math.min(value.length - dropped, take - taken));
      if (taken + piece.length > maxBytes) {
        throw new WindowError('too_large', `window from ${url} exceeds the limit of ${maxBytes} bytes`);
      }
      taken += piece.length;
      if (piece.length > 0) onBytes(piece);
    }
  } finally {
    stop.clear();
    // Whatever the origin has left is not wanted: stop it rather than drain it, and do not wait
    // for a stalled origin to acknowledge that.
    reader?.cancel().catch(() => {});
  }
  if (bodyLength !== null && taken < take && read < bodyLength) {
    throw new WindowError(
      'origin_failed',
      `${url} ended after ${read} of the ${bodyLength} bytes its Content-Range announced`,
    );
  }
  return taken;
}

/**
 * A promise that rejects when the deadline passes (origin_timeout) or the signal aborts (as
 * originFailure reads its reason), and clear() to stop watching. It is raced against each read.
 */
function stopper(deadline, signal, url) {
  let timer;
  let onAbort;
  const promise = new Promise((resolve, reject) => {
    if (deadline !== Infinity) {
      timer = setTimeout(
        () => reject(new WindowError('origin_timeout', `window from ${url} not read in time`)),
        Math.max(0, deadline - Date.now()),
      );
    }
    if (signal) {
      onAbort = () => reject(originFailure(signal.reason, url));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  promise.catch(() => {}); // raced, not always awaited
  return {
    promise,
    clear() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

function abbreviate(s) {
  return s.length <= 300 ? s : `${s.slice(0, 297)}...`;
}

/** Lets go of a body that will not be read, without waiting for the origin. */
function discard(response) {
  response.body?.cancel().catch(() => {});
}
