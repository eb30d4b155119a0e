// A loopback HTTP object origin for the JavaScript tests (the Cloudflare Worker's, the volunteer
// browsers'), as the Java tests' RangeOrigin. Any page may read it (CORS: Range and the
// preconditions allowed, Content-Range, Content-Length, ETag, Last-Modified and Accept-Ranges
// exposed).
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
//   /gated/FIRST/REST   REST, but a GET of a range starting at byte FIRST only once openGate(FIRST)
//                       is called: a test holds one window of a job back while it looks at the job
//   /probe-only/NAME    answers HEAD and a one-byte Range request (bytes=0-0) as /ranged/NAME does, and
//                       any other request never (until the client hangs up): a fan-out job over it is
//                       planned and then stays in progress
//   /versioned/MODE/N/NAME  an object that changes: NAME as version 1 until N GET requests to
//                       this route (MODE/N/NAME) have been answered, not counting a probe
//                       (Range: bytes=0-0); after that every request, HEAD too, sees version 2:
//                       the object NAME@2 if there is one (a new size), else NAME's bytes each
//                       XORed with 0xFF. HEAD answers Content-Length and Accept-Ranges, a GET with
//                       one range 206 or 416 (bytes */SIZE), any other GET 200, each with the
//                       MODE's validators (K the version seen):
//                         strong    ETag "NAME-vK" and Last-Modified Sun, 06 Dec 2026 00:00:0K
//                                   GMT; honours If-Match (412 unless it is * or lists the
//                                   current strong ETag; a W/ tag never matches) and, without
//                                   If-Match, If-Unmodified-Since (412 when Last-Modified is
//                                   later), before Range (RFC 9110 §13.2.2)
//                         weak      ETag W/"NAME-vK" only; honours If-Match, which a weak ETag
//                                   never matches (412 unless it is *)
//                         date      Last-Modified only; honours If-Unmodified-Since
//                         none      no validators, no preconditions
//                         ignoring  strong's validators, both preconditions ignored
//                       stats.versioned maps MODE/N/NAME to {gets, served: {1, 2}, requests}:
//                       gets counts the GETs counted towards N (whatever their answer), served[K]
//                       the GETs answered (200, 206, 416; probes included) with version K, and
//                       requests holds {method, range, if-match, if-unmodified-since} (null when
//                       absent) of every request, in order
//   /dns?name=&type=    a DNS-over-HTTPS JSON resolver with the answers given to startOrigin()
import { createServer } from 'node:http';

/** `size` pseudo-random bytes from `seed` (an LCG's top byte): test objects that differ by seed. */
export function pseudoRandomBytes(seed, size) {
  const b = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

const VERSIONED_MODES = ['strong', 'weak', 'date', 'none', 'ignoring'];

export async function startOrigin(objects = new Map(), dns = {}) {
  const stats = { requests: 0, paced: [], trickled: [], versioned: new Map() };
  const flipped = new WeakMap(); // NAME's bytes -> their version 2, made once
  const gates = new Map(); // FIRST -> {opened, open}, for /gated/FIRST/
  const gate = (first) => {
    if (!gates.has(first)) {
      let open;
      const opened = new Promise((resolve) => {
        open = resolve;
      });
      gates.set(first, { opened, open });
    }
    return gates.get(first);
  };
  const server = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', 'range, if-match, if-unmodified-since');
    res.setHeader('access-control-expose-headers', 'content-range, content-length, etag, last-modified, accept-ranges');
    if (req.method === 'OPTIONS') return res.writeHead(204).end();
    stats.requests++;
    const url = new URL(req.url, 'http://origin');
    const delayed = /^\/delay\/(\d+)(\/.*)$/.exec(url.pathname);
    const gated = /^\/gated\/(\d+)(\/.*)$/.exec(url.pathname);
    if (gated) {
      url.pathname = gated[2];
      if (req.method === 'GET' && (req.headers.range ?? '').startsWith(`bytes=${gated[1]}-`))
        gate(gated[1]).opened.then(() => answer(url, req, res));
      else answer(url, req, res);
    } else if (delayed) {
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
      res.writeHead(206, {
        'content-range': `bytes ${first}-${last}/${object.length}`,
        'content-length': last - first + 1,
      });
      return res.end(object.subarray(first, last + 1));
    }
    if (kind === 'versioned') return versioned(parts, req, res);
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
      return res.end(
        JSON.stringify({
          Status: 0,
          Answer: answers.map((data) => ({ name: url.searchParams.get('name'), type, TTL: 60, data })),
        }),
      );
    }
    res.writeHead(404).end();
  }

  /** /versioned/MODE/N/NAME: see the header comment. */
  function versioned(parts, req, res) {
    const [mode, n, encodedName] = parts.slice(2);
    const name = decodeURIComponent(encodedName ?? '');
    if (!VERSIONED_MODES.includes(mode) || !/^\d+$/.test(n ?? '') || !objects.has(name) || parts.length !== 5) {
      return res.writeHead(404).end();
    }
    const key = `${mode}/${n}/${name}`;
    if (!stats.versioned.has(key)) stats.versioned.set(key, { gets: 0, served: { 1: 0, 2: 0 }, requests: [] });
    const route = stats.versioned.get(key);
    const conditions = {
      'if-match': req.headers['if-match'] ?? null,
      'if-unmodified-since': req.headers['if-unmodified-since'] ?? null,
    };
    route.requests.push({ method: req.method, range: req.headers.range ?? null, ...conditions });
    const get = req.method === 'GET';
    const counted = get && req.headers.range !== 'bytes=0-0';
    const k = route.gets < Number(n) ? 1 : 2;
    if (counted) route.gets++;
    const object = k === 1 ? objects.get(name) : (objects.get(`${name}@2`) ?? flip(objects.get(name)));
    const strong = `"${name}-v${k}"`;
    const lastModified = `Sun, 06 Dec 2026 00:00:0${k} GMT`;
    const validators = {
      strong: { etag: strong, 'last-modified': lastModified },
      weak: { etag: `W/${strong}` },
      date: { 'last-modified': lastModified },
      none: {},
      ignoring: { etag: strong, 'last-modified': lastModified },
    }[mode];
    const honoursIfMatch = mode === 'strong' || mode === 'weak';
    const honoursDate = mode === 'strong' || mode === 'date';
    if (honoursIfMatch && conditions['if-match'] !== null) {
      if (!ifMatch(conditions['if-match'], validators.etag)) return res.writeHead(412, { 'content-length': 0 }).end();
    } else if (honoursDate && conditions['if-unmodified-since'] !== null) {
      const since = Date.parse(conditions['if-unmodified-since']);
      if (!Number.isNaN(since) && Date.parse(lastModified) > since)
        return res.writeHead(412, { 'content-length': 0 }).end();
    }
    const headers = { ...validators, 'accept-ranges': 'bytes' };
    if (get) route.served[k]++;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (!get || !m) {
      res.writeHead(200, { ...headers, 'content-length': object.length });
      return res.end(get ? object : undefined);
    }
    const first = Number(m[1]);
    if (first >= object.length)
      return res.writeHead(416, { ...headers, 'content-range': `bytes */${object.length}` }).end();
    const last = m[2] === '' ? object.length - 1 : Math.min(Number(m[2]), object.length - 1);
    res.writeHead(206, {
      ...headers,
      'content-range': `bytes ${first}-${last}/${object.length}`,
      'content-length': last - first + 1,
    });
    return res.end(object.subarray(first, last + 1));
  }

  function flip(object) {
    if (!flipped.has(object))
      flipped.set(
        object,
        object.map((b) => b ^ 0xff),
      );
    return flipped.get(object);
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
    answer.done = new Promise((resolve) =>
      res.once('close', () => {
        answer.closedAt = Date.now();
        clearInterval(timer);
        resolve(res.writableFinished);
      }),
    );
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: (path) => base + path,
    stats,
    openGate: (first) => gate(String(first)).open(),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

/**
 * If-Match against the current ETag (RFC 9110 §13.1.1): true for *, else when the header lists
 * the current tag and both are strong (a weak tag never matches, nor does anything without a tag).
 */
function ifMatch(header, etag) {
  if (header.trim() === '*') return true;
  if (etag === undefined || etag.startsWith('W/')) return false;
  return (header.match(/(W\/)?"[^"]*"/g) ?? []).includes(etag);
}
