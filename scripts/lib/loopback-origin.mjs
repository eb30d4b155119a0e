// A loopback HTTP object origin for the JavaScript tests (the Cloudflare Worker's, the volunteer
// browsers'), as the Java tests' RangeOrigin. Any page may read it (CORS, Range and
// Content-Range included).
//   /ranged/NAME        honours one byte range (206, 416), as an object store does
//   /whole/NAME         ignores Range: 200 with the whole object
//   /paced/NAME         ignores Range: 200 with the whole object, written only as fast as the
//                       client reads it; stats.paced holds {sent, done} per answer (bytes
//                       written so far; resolves true when the object was all sent, false
//                       when the client closed the connection first)
//   /trickle/MS/NAME    ignores Range: 200 with the whole object's Content-Length, the headers at
//                       once, then one byte every MS milliseconds until the object is sent or the
//                       client hangs up (a large MS: headers, then silence); stats.trickled holds
//                       {sent, done, closedAt} per answer, as stats.paced does, closedAt being
//                       Date.now() when the connection ended
//   /content-range/CR/NAME  206 with Content-Range CR (URI-encoded; empty: none) and NAME's bytes
//                       from CR's first byte to its last (the whole object when CR names none)
//   /redirect/N/REST    N redirects, then REST
//   /to/URL             redirects to the (URI-encoded) URL
//   /status/CODE        answers CODE
//   /delay/MS/REST      REST, answered MS milliseconds late (not at all if the client hangs up first)
//   /probe-only/NAME    answers HEAD and a one-byte Range request (bytes=0-0) as /ranged/NAME does, and
//                       any other request never (until the client hangs up): a fan-out job over it is
//                       planned and then stays in progress
//   /dns?name=&type=    a DNS-over-HTTPS JSON resolver with the answers given to startOrigin()
import { createServer } from 'node:http';

export async function startOrigin(objects = new Map(), dns = {}) {
  const stats = { requests: 0, paced: [], trickled: [] };
  const server = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', 'range');
    res.setHeader('access-control-expose-headers', 'content-range, content-length');
    if (req.method === 'OPTIONS') return res.writeHead(204).end();
    stats.requests++;
    const url = new URL(req.url, 'http://origin');
    const delayed = /^\/delay\/(\d+)(\/.*)$/.exec(url.pathname);
    if (delayed) {
      url.pathname = delayed[2];
      const timer = setTimeout(() => answer(url, req, res), Number(delayed[1]));
      res.once('close', () => clearTimeout(timer));
    } else {
      answer(url, req, res);
    }
  });

  function answer(url, req, res) {
    const parts = url.pathname.split('/');
    let kind = parts[1];
    if (kind === 'probe-only') {
      if (req.method !== 'HEAD' && req.headers.range !== 'bytes=0-0') return; // never answered
      kind = 'ranged';
    }
    if (kind === 'ranged' || kind === 'whole') {
      const object = objects.get(decodeURIComponent(parts[2]));
      if (!object) return res.writeHead(404).end();
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (kind === 'whole' || !m) {
        res.writeHead(200, { 'content-length': object.length });
        return res.end(object);
      }
      const first = Number(m[1]);
      if (first >= object.length) return res.writeHead(416, { 'content-range': `bytes */${object.length}` }).end();
      const last = m[2] === '' ? object.length - 1 : Math.min(Number(m[2]), object.length - 1);
      res.writeHead(206, { 'content-range': `bytes ${first}-${last}/${object.length}`, 'content-length': last - first + 1 });
      return res.end(object.subarray(first, last + 1));
    }
    if (kind === 'paced') {
      const object = objects.get(decodeURIComponent(parts[2]));
      return object ? pace(object, res) : res.writeHead(404).end();
    }
    if (kind === 'trickle') {
      const object = objects.get(decodeURIComponent(parts[3]));
      return object ? trickle(object, Number(parts[2]), res) : res.writeHead(404).end();
    }
    if (kind === 'content-range') {
      const object = objects.get(decodeURIComponent(parts[3]));
      if (!object) return res.writeHead(404).end();
      const range = decodeURIComponent(parts[2]);
      const m = /(\d+)-(\d+)/.exec(range);
      res.writeHead(206, range ? { 'content-range': range } : {});
      return res.end(m ? object.subarray(Number(m[1]), Number(m[2]) + 1) : object);
    }
    if (kind === 'redirect') {
      const left = Number(parts[2]);
      const rest = `/${parts.slice(3).join('/')}`;
      return res.writeHead(302, { location: left > 1 ? `/redirect/${left - 1}${rest}` : rest }).end();
    }
    if (kind === 'to') return res.writeHead(302, { location: decodeURIComponent(parts[2]) }).end();
    if (kind === 'status') return res.writeHead(Number(parts[2])).end();
    if (kind === 'dns') {
      const type = url.searchParams.get('type') === 'AAAA' ? 28 : 1;
      const answers = (dns[url.searchParams.get('name')] ?? []).filter((a) => (a.includes(':') ? 28 : 1) === type);
      res.writeHead(200, { 'content-type': 'application/dns-json' });
      return res.end(JSON.stringify({ Status: 0, Answer: answers.map((data) => ({ name: url.searchParams.get('name'), type, TTL: 60, data })) }));
    }
    res.writeHead(404).end();
  }
  /** Writes `object` a piece at a time, each when the connection has taken the one before. */
  function pace(object, res) {
    const answer = { sent: 0 };
    answer.done = new Promise((resolve) => res.once('close', () => resolve(res.writableFinished)));
    stats.paced.push(answer);
    res.writeHead(200, { 'content-length': object.length });
    const next = () => {
      while (answer.sent < object.length) {
        if (res.destroyed) return;
        const piece = object.subarray(answer.sent, answer.sent + 64 * 1024);
        answer.sent += piece.length;
        if (!res.write(piece)) return res.once('drain', next);
      }
      res.end();
    };
    next();
  }

  /** Sends the headers, then one byte of `object` every `ms` milliseconds. */
  function trickle(object, ms, res) {
    const answer = { sent: 0, closedAt: null };
    stats.trickled.push(answer);
    res.writeHead(200, { 'content-length': object.length });
    res.flushHeaders();
    const timer = setInterval(() => {
      if (answer.sent < object.length) res.write(object.subarray(answer.sent, ++answer.sent));
      if (answer.sent === object.length) {
        clearInterval(timer);
        res.end();
      }
    }, ms);
    answer.done = new Promise((resolve) => res.once('close', () => {
      answer.closedAt = Date.now();
      clearInterval(timer);
      resolve(res.writableFinished);
    }));
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: (path) => base + path,
    stats,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
