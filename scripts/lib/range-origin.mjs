// A loopback HTTP origin serving one file with single byte-range support (RFC 9110: 206, 416,
// Accept-Ranges on HEAD), as an object store would, to every substrate of a local fabric:
// volunteer pages read it too, so it answers CORS (Range and the preconditions allowed,
// Content-Range, ETag and Last-Modified exposed). A file of up to 2 GiB is held in memory and each
// range is one write of a slice of it, so the origin is not what a benchmark measures; a larger one
// is read from disk. The file is served as it was when the origin started: a strong ETag made of
// its size and mtime and its Last-Modified, with If-Match and If-Unmodified-Since honoured (412),
// so a program may pin that version (docs/kernel.md, "Versions"). Prints its URL on stdout, then
// serves until killed.
//
//   node range-origin.mjs FILE
import { createServer } from 'node:http';
import { fstatSync, openSync, readSync } from 'node:fs';

const fd = openSync(process.argv[2], 'r');
const { size, mtimeMs } = fstatSync(fd);
const ETAG = `"${size.toString(16)}-${Math.trunc(mtimeMs).toString(16)}"`;
// HTTP dates have whole seconds: If-Unmodified-Since compares at that resolution.
const LAST_MODIFIED_MS = Math.floor(mtimeMs / 1000) * 1000;
const LAST_MODIFIED = new Date(LAST_MODIFIED_MS).toUTCString();
const IN_MEMORY = 2 ** 31;
const whole = size <= IN_MEMORY ? Buffer.allocUnsafe(size) : null;
for (let at = 0; whole && at < size;) at += readSync(fd, whole, at, Math.min(1 << 26, size - at), at);

function slice(start, end) {
  if (whole) return whole.subarray(start, end + 1);
  const out = Buffer.allocUnsafe(end - start + 1);
  for (let at = 0; at < out.length;) at += readSync(fd, out, at, out.length - at, start + at);
  return out;
}

/**
 * Whether the request's preconditions fail (RFC 9110 §13.2.2: If-Match first, If-Unmodified-Since
 * only without it; both before Range). If-Match compares strongly: * or a list naming ETAG.
 */
function preconditionFailed(req) {
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined) return ifMatch.trim() !== '*' && !(ifMatch.match(/(W\/)?"[^"]*"/g) ?? []).includes(ETAG);
  const since = req.headers['if-unmodified-since'];
  return since !== undefined && LAST_MODIFIED_MS > Date.parse(since); // an unreadable date (NaN) is ignored
}

const server = createServer((req, res) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'range, if-match, if-unmodified-since');
  res.setHeader('Access-Control-Expose-Headers', 'content-range, content-length, etag, last-modified, accept-ranges');
  if (req.method === 'OPTIONS') {
    res.writeHead(204).end();
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405).end();
    return;
  }
  if (preconditionFailed(req)) {
    res.writeHead(412, { 'Content-Length': 0 }).end();
    return;
  }
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  let start = 0;
  let end = size - 1;
  let status = 200;
  const headers = {
    'Accept-Ranges': 'bytes',
    'Content-Type': 'application/octet-stream',
    ETag: ETAG,
    'Last-Modified': LAST_MODIFIED,
  };
  if (m) {
    start = Number(m[1]);
    if (start >= size) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}`, ETag: ETAG, 'Last-Modified': LAST_MODIFIED }).end();
      return;
    }
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  }
  headers['Content-Length'] = end - start + 1;
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' || size === 0 ? undefined : slice(start, end));
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}/object`));
