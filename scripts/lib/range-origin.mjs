// A loopback HTTP origin serving one file with single byte-range support (RFC 9110: 206, 416),
// as an object store would. Prints its URL on stdout, then serves until killed.
//
//   node range-origin.mjs FILE
import { createServer } from 'node:http';
import { openSync, fstatSync, readSync } from 'node:fs';

const fd = openSync(process.argv[2], 'r');
const size = fstatSync(fd).size;

const server = createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405).end();
    return;
  }
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  let start = 0;
  let end = size - 1;
  let status = 200;
  const headers = { 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' };
  if (m) {
    start = Number(m[1]);
    if (start >= size) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
      return;
    }
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  }
  headers['Content-Length'] = end - start + 1;
  res.writeHead(status, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const chunk = Buffer.alloc(64 * 1024);
  for (let at = start; at <= end; ) {
    const n = readSync(fd, chunk, 0, Math.min(chunk.length, end - at + 1), at);
    res.write(n === chunk.length ? Buffer.from(chunk) : chunk.subarray(0, n));
    at += n;
  }
  res.end();
});

server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}/object`));
