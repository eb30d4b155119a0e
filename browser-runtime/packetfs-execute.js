// Runs one PacketFS program in a browser: inline data, or the window of a data_url read with one
// Range request and streamed through the shared kernel piece by piece, so a browser holds no more
// than a piece of the window and stops an origin that ignores Range at the window's end or at
// maxWindowBytes (range-window.mjs, the reader the Cloudflare Worker uses too). Used by the Web
// Worker (leases from the coordinator) and the Service Worker (/execute). The origin must allow
// this page's origin to read it (CORS, Range, Content-Range exposed). A program that pins a version
// of its object sends If-Match or If-Unmodified-Since, which makes the request one a browser
// preflights: the origin must allow those headers too, and expose ETag or Last-Modified, or the
// answer cannot be checked (origin_rejected).
import { execute, executeWindow, merge, validate } from './packetfs-kernel.mjs';
import { WindowError, preconditionHeaders, rangeHeader, readWindow } from './range-window.mjs';

/**
 * The program's result. A window that cannot be read fails with a WindowError, whose `code` is the
 * worker protocol's error code (object_changed, origin_rejected, too_large...); a program that
 * breaks the kernel's rules, with a ProgramError; a fetch() that fails (network, CORS, a redirect),
 * with the browser's TypeError.
 */
export async function runProgram(program, { signal, maxWindowBytes = 256 * 1024 * 1024 } = {}) {
  const p = validate(program);
  if (p.dataUrl === null) return execute(program);
  if (p.length === 0) return executeWindow(program, new Uint8Array(0));
  if (p.length !== null && p.length > maxWindowBytes) {
    throw new WindowError('too_large', `window of ${p.length} bytes exceeds this browser's limit of ${maxWindowBytes}`);
  }
  // No redirects: the dispatcher checked this URL's host before leasing it (docs/security.md), and
  // a page cannot read where a redirect leads before following it, so it may not follow one.
  const response = await fetch(p.dataUrl, {
    headers: { range: rangeHeader(p), ...preconditionHeaders(p.version) },
    signal,
    cache: 'no-store',
    redirect: 'error',
  });
  const scan = windowScan(program, p.op);
  await readWindow(response, p, { maxBytes: maxWindowBytes, onBytes: scan.add, signal, url: p.dataUrl });
  return scan.result();
}

/**
 * The kernel over a window that arrives in pieces: each piece runs as a window of its own and is
 * merged into the running result (fnv64 chains through fnv_state), the merge rules that let
 * windows run on different substrates.
 */
function windowScan(program, op) {
  const next = { ...program };
  let total = executeWindow(program, new Uint8Array(0));
  return {
    add(piece) {
      const part = executeWindow(next, piece);
      total = merge(op, total, part);
      if (op === 'fnv64') next.fnv_state = part.hash;
    },
    result: () => total,
  };
}
