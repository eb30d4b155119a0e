// PacketFS kernel, JavaScript edition: the five byte operations, their windows and merges.
//
// One file with no imports, so Node, workerd (Cloudflare Workers) and browsers (Web Workers,
// Service Workers) all load it unchanged. It must agree with the Java kernel to the bit;
// kernel/spec/vectors.json is the contract both are tested against.
//
//   execute(program, objectBytes)  the program's window of the whole object -> result object
//   executeWindow(program, bytes)  bytes that already are the window (a fetched range)
//   merge(op, left, right)         result of two adjacent windows, left then right
//   validate(program)              the normalized program, or a ProgramError naming the field
//   ipv4SpellingProblem(url, base) why a URL's host is an IPv4 address in a non-canonical form, or null

export const OPS = Object.freeze(['counteq', 'crc32c', 'fnv64', 'xor', 'add']);

/** Largest offset/length accepted: 2^53 - 1, the largest integer a JSON reader holds exactly. */
export const MAX_POSITION = Number.MAX_SAFE_INTEGER;
export const MAX_URL_LENGTH = 8192;

const FIELDS = ['data', 'data_url', 'fnv_state', 'imm', 'length', 'offset', 'op', 'version'];
const VERSION_FIELDS = ['etag', 'last_modified', 'size'];
/** Longest entity tag accepted in a version, quotes included. */
export const MAX_ETAG_LENGTH = 256;
const ETAG = /^(W\/)?"[\x21\x23-\x7E]*"$/;
const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const BASE64 = /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX16 = /^[0-9a-fA-F]{16}$/;

/** A program that breaks the kernel's rules; `field` names the offending program field. */
export class ProgramError extends Error {
  constructor(field, problem) {
    super(`${field}: ${problem}`);
    this.name = 'ProgramError';
    this.field = field;
  }
}

// ---------------------------------------------------------------------------------------------
// Validation (same rules, same order and same messages as the Java kernel's ProgramJson)

/**
 * Checks a program object and returns its normalized form:
 * { op, imm, dataUrl, data (Uint8Array | null), offset, length (null = to the end),
 *   fnvState ({hi, lo} | null), version ({etag, lastModified, size} | null: the version of the
 *   data_url's object the window must be read from; etag and lastModified null when not pinned,
 *   size null when unknown) }. JSON null counts as an absent field.
 */
export function validate(program) {
  if (program === null || typeof program !== 'object' || Array.isArray(program)) {
    throw new ProgramError('program', 'must be a JSON object');
  }
  for (const name of Object.keys(program)) {
    if (!FIELDS.includes(name)) {
      throw new ProgramError(name, `is not a program field; expected ${FIELDS.join(', ')}`);
    }
  }
  const op = present(program.op);
  if (op === undefined) throw new ProgramError('op', `is required; expected one of ${OPS.join(', ')}`);
  if (typeof op !== 'string') throw new ProgramError('op', `must be a string; expected one of ${OPS.join(', ')}`);
  if (!OPS.includes(op)) throw new ProgramError('op', `unknown op '${op}'; expected one of ${OPS.join(', ')}`);
  const imm = integer(program, 'imm', 0, 255);
  const dataUrl = text(program, 'data_url');
  const dataText = text(program, 'data');
  const data = dataText === undefined || dataUrl !== undefined ? null : decodeBase64(dataText);
  if (dataText !== undefined && dataUrl !== undefined) {
    throw new ProgramError('data', 'exactly one of data and data_url is required, got both');
  }
  const offset = integer(program, 'offset', 0, MAX_POSITION);
  const length = integer(program, 'length', null, MAX_POSITION);
  const stateText = text(program, 'fnv_state');
  let fnvState = null;
  if (stateText !== undefined) {
    if (!HEX16.test(stateText)) {
      throw new ProgramError('fnv_state', `must be 16 hexadecimal digits, got '${stateText}'`);
    }
    fnvState = { hi: parseInt(stateText.slice(0, 8), 16), lo: parseInt(stateText.slice(8), 16) };
  }
  const version = versionOf(present(program.version));
  if (dataUrl === undefined && data === null) {
    throw new ProgramError('data', 'exactly one of data and data_url is required, got neither');
  }
  if (dataUrl !== undefined) checkUrl(dataUrl);
  if (fnvState !== null && op !== 'fnv64') {
    throw new ProgramError('fnv_state', `applies only to op fnv64, not ${op}`);
  }
  if (version !== null && dataUrl === undefined) {
    throw new ProgramError('version', 'applies only to a program with data_url');
  }
  return { op, imm, dataUrl: dataUrl ?? null, data, offset, length, fnvState, version };
}

/** `version` as {etag, lastModified, size}, by the rules of ObjectVersion (Java); errors name `version`. */
function versionOf(value) {
  if (value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ProgramError('version', `must be an object {"etag" or "last_modified", "size"}, got ${describe(value)}`);
  }
  for (const name of Object.keys(value)) {
    if (!VERSION_FIELDS.includes(name)) {
      throw new ProgramError('version', `${name} is not a version field; expected etag, last_modified, size`);
    }
  }
  const field = (name) => {
    const v = present(value[name]);
    if (v !== undefined && typeof v !== 'string') throw new ProgramError('version', `${name} must be a string`);
    return v ?? null;
  };
  const etag = field('etag');
  const lastModified = field('last_modified');
  const sizeValue = present(value.size);
  if (
    sizeValue !== undefined &&
    (typeof sizeValue !== 'number' || !Number.isInteger(sizeValue) || sizeValue < 0 || sizeValue > MAX_POSITION)
  ) {
    throw new ProgramError(
      'version',
      `size must be an integer 0..${MAX_POSITION}, got ${typeof sizeValue === 'number' ? sizeValue : describe(sizeValue)}`,
    );
  }
  const size = sizeValue ?? null;
  if (etag === null && lastModified === null && size === null) {
    throw new ProgramError('version', 'must name an etag, a last_modified or a size');
  }
  if (etag !== null && lastModified !== null) {
    throw new ProgramError('version', 'give etag or last_modified, not both (etag is the stronger check)');
  }
  if (etag !== null && (etag.length > MAX_ETAG_LENGTH || !ETAG.test(etag))) {
    throw new ProgramError(
      'version',
      'etag must be an entity tag: a quoted string of visible ASCII without quotes' +
        ` inside, W/ before it when weak, at most ${MAX_ETAG_LENGTH} characters, as in "5d41402a"; got '${visible(etag)}'`,
    );
  }
  if (lastModified !== null && !isImfFixdate(lastModified)) {
    throw new ProgramError(
      'version',
      'last_modified must be an HTTP date in IMF-fixdate form' +
        ` (Sun, 06 Nov 1994 08:49:37 GMT), got '${visible(lastModified)}'`,
    );
  }
  return { etag, lastModified, size };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An IMF-fixdate naming a real second of 1970..9999, with the right day of the week. */
export function isImfFixdate(textValue) {
  const m = IMF_FIXDATE.exec(textValue);
  if (!m) return false;
  const [year, month, day] = [Number(m[4]), MONTHS.indexOf(m[3]), Number(m[2])];
  if (year < 1970 || Number(m[5]) > 23 || Number(m[6]) > 59 || Number(m[7]) > 59) return false;
  const date = new Date(Date.UTC(year, month, day));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month &&
    date.getUTCDate() === day &&
    DAYS[date.getUTCDay()] === m[1]
  );
}

function visible(s) {
  const shown = s.replace(/[\x00-\x1f\x7f]/g, '?');
  return shown.length <= 80 ? shown : `${shown.slice(0, 77)}...`;
}

function present(value) {
  return value === null ? undefined : value;
}

function text(program, field) {
  const value = present(program[field]);
  if (value !== undefined && typeof value !== 'string') throw new ProgramError(field, 'must be a string');
  return value;
}

function integer(program, field, absent, max) {
  const value = present(program[field]);
  if (value === undefined) return absent;
  const expected = `an integer 0..${max}`;
  if (typeof value !== 'number') throw new ProgramError(field, `must be ${expected}, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new ProgramError(field, `must be ${expected}, got ${value}`);
  }
  return value;
}

function describe(value) {
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function checkUrl(url) {
  if (url.length > MAX_URL_LENGTH) {
    throw new ProgramError('data_url', `is longer than ${MAX_URL_LENGTH} characters`);
  }
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new ProgramError('data_url', `is not a valid URL: '${abbreviate(url)}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ProgramError('data_url', `must be an http or https URL, got '${abbreviate(url)}'`);
  }
  if (parsed.hostname === '') throw new ProgramError('data_url', `has no host: '${abbreviate(url)}'`);
  const spelling = ipv4SpellingProblem(url);
  if (spelling !== null) throw new ProgramError('data_url', spelling);
}

// ---------------------------------------------------------------------------------------------
// One URL, one address. WHATWG URL parsers (browsers, workerd, Node) read an IPv4 host written
// with leading zeros as octal, 0x-parts as hex, and fewer than four parts as a number filling the
// rest: http://0177.0.0.1/ is 127.0.0.1 there, 177.0.0.1 to Java; 012.1.2.3 is 10.1.2.3 there.
// So no runtime accepts such a spelling. The rule, identical in the Java kernel (Program):
//
//   1. Take the host as WRITTEN in the URL text, not the parser's hostname (which hides the
//      spelling: new URL('http://0177.0.0.1/').hostname is '127.0.0.1'): the text after '//' up
//      to the first '/', '?' or '#', without any 'userinfo@' (up to the last '@') and ':port';
//      ASCII lower-cased.
//   2. An IPv6 literal ('[' ... ']') is left alone.
//   3. If the host's last '.'-separated label, after one trailing '.' is set aside, is all
//      decimal digits or is '0x' followed by zero or more hex digits (WHATWG's "ends in a
//      number": the parser will read the whole host as IPv4), the host must be canonical dotted
//      decimal: exactly four parts, each 0..255 in decimal without leading zeros ('0' itself is
//      fine), and no trailing dot. Anything else is refused, field data_url: 0177.0.0.1,
//      017700000001, 2130706433, 0x7f.0.0.1, 127.1, 1.2.3.04, 0x, a.0x, example.123, and
//      1.2.3.4. (1.2.3.4 to a WHATWG parser, no host at all to java.net.URI). Accepted: 1.2.3.4,
//      0.0.0.0 (the address rules refuse it later), example.com, example.com., 1x.example.
//
// Where WHATWG is more lenient than java.net.URI, JavaScript follows WHATWG to find the host as
// written (both refuse the URL either way; Java's URI finds no host in any of these): tabs and
// newlines are dropped and the text trimmed; after http: or https:, any run of '/' and '\' opens
// the authority ('http:0177.0.0.1/' and 'http:\\0177.0.0.1' have host 0177.0.0.1), and '\'
// ends it. And a host also counts as an IPv4 address when it ends in a number as the parser
// decodes it before its IPv4 step (percent-escapes, full-width digits, ideographic full stops):
// then too it must be written canonically, so '0177.0.0.%31', '1.2.3.%34' and '1。2。3。4' are
// refused like '0177.0.0.1'.

const SPECIAL = /^https?:$/;
const NUMBER_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/;
const DECIMAL_PART = /^(?:0|[1-9][0-9]{0,2})$/;

/**
 * Why the host of `url` (the text of an http or https URL, or a reference resolved against the
 * URL `base`, such as a redirect's Location) is an IPv4 address in a non-canonical form; null
 * when it is not (a name, a canonical address, an IPv6 literal, or a reference that keeps
 * base's host).
 */
export function ipv4SpellingProblem(url, base = null) {
  const written = writtenHost(url, base);
  if (written === null) return null;
  const host = written.toLowerCase();
  const decoded = decodedHost(written);
  if (!(endsInNumber(host) || (decoded !== null && endsInNumber(decoded))) || canonical(host)) return null;
  return (
    `the host ${abbreviate(host)} is an IPv4 address written in a non-canonical form (leading zeros, ` +
    'hex or octal parts, fewer than four parts, or a single number); write it as four decimal numbers'
  );
}

/** The host as written in `url` (userinfo and port removed), or null when it has none of its own. */
function writtenHost(url, base) {
  const text = url.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.exec(text);
  let rest;
  if (scheme) {
    const name = scheme[0].toLowerCase();
    if (!SPECIAL.test(name)) return null;
    rest = text.slice(name.length);
    // With a base of the same scheme, 'http:x' is a path relative to it; otherwise slashes are optional.
    if (base?.protocol === name && !/^[/\\]{2}/.test(rest)) return null;
  } else {
    if (!/^[/\\]{2}/.test(text)) return null; // a path or query relative to base, with base's host
    rest = text;
  }
  const authority = /^[/\\]*([^/\\?#]*)/.exec(rest)[1];
  const hostAndPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostAndPort.startsWith('[')) return null;
  const host = hostAndPort.split(':')[0];
  return host === '' ? null : host;
}

/** The host as the URL parser reads it before its IPv4 step, or null if it cannot read it. */
function decodedHost(written) {
  // A last label that is not a number keeps the parser from reading the host as an address.
  let probe;
  try {
    probe = new URL(`http://${written}.x/`).hostname;
  } catch {
    return null;
  }
  return probe.endsWith('.x') ? probe.slice(0, -2) : null;
}

/** WHATWG's "ends in a number" (one trailing dot aside): the parser reads such a host as IPv4. */
function endsInNumber(host) {
  const labels = host.endsWith('.') ? host.slice(0, -1) : host;
  return NUMBER_LABEL.test(labels.slice(labels.lastIndexOf('.') + 1));
}

/** Four parts, each 0..255 in decimal without leading zeros. */
function canonical(host) {
  const parts = host.split('.');
  return parts.length === 4 && parts.every((part) => DECIMAL_PART.test(part) && Number(part) <= 255);
}

function abbreviate(s) {
  return s.length <= 80 ? s : `${s.slice(0, 77)}...`;
}

/** Standard base64 with optional padding; anything else (whitespace, URL-safe) is refused. */
export function decodeBase64(textValue) {
  if (textValue.length % 4 === 1 || !BASE64.test(textValue)) {
    throw new ProgramError('data', 'is not valid standard base64 (A-Z a-z 0-9 + /, optional = padding, no whitespace)');
  }
  const binary = atob(textValue);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Execution

/**
 * Applies the program's window to the whole object and runs it. A program with inline `data`
 * runs over that data; a `data_url` program needs `objectBytes` (a Uint8Array of the object).
 */
export function execute(program, objectBytes) {
  const p = validate(program);
  const object = p.data ?? objectBytes;
  if (!(object instanceof Uint8Array)) {
    throw new TypeError('execute: a data_url program needs the object bytes as a Uint8Array');
  }
  const start = Math.min(p.offset, object.length);
  const end = p.length === null ? object.length : Math.min(object.length, start + p.length);
  return run(p, object.subarray(start, end));
}

/** Runs the program over bytes that already are its window; offset/length are not reapplied. */
export function executeWindow(program, windowBytes) {
  const p = validate(program);
  if (!(windowBytes instanceof Uint8Array)) throw new TypeError('executeWindow: windowBytes must be a Uint8Array');
  return run(p, windowBytes);
}

function run(p, w) {
  const n = w.length;
  switch (p.op) {
    case 'counteq':
      return { count: countEqual(w, p.imm), bytes_processed: n };
    case 'crc32c':
      return { checksum: crc32c(w), bytes_processed: n };
    case 'fnv64': {
      const start = p.fnvState ?? FNV_BASIS;
      return { hash: fnv1a64(start.hi, start.lo, w), bytes_processed: n };
    }
    case 'xor':
      // XOR of (b ^ imm) is the XOR of the bytes, with imm folded in once per odd count.
      return { result: xorFold(w) ^ (n % 2 === 1 ? p.imm : 0), bytes_processed: n };
    case 'add':
      return { result: addWrapped(w, p.imm), bytes_processed: n };
    default:
      throw new ProgramError('op', `unknown op '${p.op}'`);
  }
}

/**
 * The result over window `left` followed by the adjacent window `right`. counteq and add add,
 * xor xors, crc32c combines with the right window's length; for fnv64 the right window must have
 * been run with fnv_state = left.hash, and its hash is the whole one.
 */
export function merge(op, left, right) {
  const bytes = left.bytes_processed + right.bytes_processed;
  switch (op) {
    case 'counteq':
      return { count: left.count + right.count, bytes_processed: bytes };
    case 'crc32c':
      return { checksum: crc32cCombine(left.checksum, right.checksum, right.bytes_processed), bytes_processed: bytes };
    case 'fnv64':
      return { hash: right.hash, bytes_processed: bytes };
    case 'xor':
      return { result: left.result ^ right.result, bytes_processed: bytes };
    case 'add':
      return { result: left.result + right.result, bytes_processed: bytes };
    default:
      throw new ProgramError('op', `unknown op '${op}'`);
  }
}

// ---------------------------------------------------------------------------------------------
// Word-at-a-time scans. Byte order inside a 32-bit word does not matter to counteq, xor or add,
// so the platform's Uint32Array view serves on every engine. Unaligned heads/tails go bytewise.

const EMPTY_WORDS = new Uint32Array(0);

/** [head, words, tailStart]: bytes before the first 4-aligned byte, the aligned words, the rest. */
function wordView(w) {
  const head = Math.min(w.length, (4 - (w.byteOffset & 3)) & 3);
  const count = (w.length - head) >>> 2;
  // A view must start 4-aligned even when empty, and a short window may have no aligned byte.
  const words = count === 0 ? EMPTY_WORDS : new Uint32Array(w.buffer, w.byteOffset + head, count);
  return [head, words, head + count * 4];
}

function countEqual(w, imm) {
  const [head, words, tail] = wordView(w);
  let count = 0;
  for (let i = 0; i < head; i++) if (w[i] === imm) count++;
  const pattern = Math.imul(imm, 0x01010101);
  let differing = 0;
  for (let i = 0; i < words.length; i++) {
    const x = words[i] ^ pattern;
    // High bit of each lane set iff that byte is non-zero (see the Java kernel's ByteScans).
    const nonZero = (((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x) & 0x80808080;
    differing += Math.imul(nonZero >>> 7, 0x01010101) >>> 24;
  }
  count += words.length * 4 - differing;
  for (let i = tail; i < w.length; i++) if (w[i] === imm) count++;
  return count;
}

function xorFold(w) {
  const [head, words, tail] = wordView(w);
  let acc = 0;
  for (let i = 0; i < words.length; i++) acc ^= words[i];
  acc ^= acc >>> 16;
  acc ^= acc >>> 8;
  acc &= 0xff;
  for (let i = 0; i < head; i++) acc ^= w[i];
  for (let i = tail; i < w.length; i++) acc ^= w[i];
  return acc;
}

function addWrapped(w, imm) {
  const [head, words, tail] = wordView(w);
  let total = 0;
  for (let i = 0; i < head; i++) total += (w[i] + imm) & 0xff;
  const pattern = Math.imul(imm, 0x01010101);
  const patternLow = pattern & 0x7f7f7f7f;
  const patternHigh = pattern & 0x80808080;
  // Each word adds at most 2*255 to a 16-bit lane, so 128 words cannot overflow one.
  for (let i = 0; i < words.length;) {
    const blockEnd = Math.min(words.length, i + 128);
    let lanes = 0;
    for (; i < blockEnd; i++) {
      const x = words[i];
      const s = ((x & 0x7f7f7f7f) + patternLow) ^ ((x & 0x80808080) ^ patternHigh);
      lanes += (s & 0x00ff00ff) + ((s >>> 8) & 0x00ff00ff);
    }
    total += (lanes & 0xffff) + (lanes >>> 16);
  }
  for (let i = tail; i < w.length; i++) total += (w[i] + imm) & 0xff;
  return total;
}

// ---------------------------------------------------------------------------------------------
// CRC-32C: slicing-by-8 tables (Castagnoli polynomial, reflected), and combine by x^(8n) mod P.

const CRC_POLY = 0x82f63b78;
const CRC_TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CRC_POLY : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

function crc32c(w) {
  const t = CRC_TABLES;
  let crc = -1;
  let i = 0;
  const stop = w.length - 8;
  for (; i <= stop; i += 8) {
    const a = crc ^ (w[i] | (w[i + 1] << 8) | (w[i + 2] << 16) | (w[i + 3] << 24));
    crc =
      t[1792 + (a & 0xff)] ^
      t[1536 + ((a >>> 8) & 0xff)] ^
      t[1280 + ((a >>> 16) & 0xff)] ^
      t[1024 + (a >>> 24)] ^
      t[768 + w[i + 4]] ^
      t[512 + w[i + 5]] ^
      t[256 + w[i + 6]] ^
      t[w[i + 7]];
  }
  for (; i < w.length; i++) crc = t[(crc ^ w[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

const X0 = 0x80000000;
// CRC_POWERS[k] = x^(2^k) mod P, enough for lengths up to 2^53 bytes (2^56 bits).
const CRC_POWERS = (() => {
  const powers = new Int32Array(60);
  let p = X0 >>> 1;
  for (let k = 0; k < powers.length; k++) {
    powers[k] = p;
    p = multModP(p, p);
  }
  return powers;
})();

function multModP(a, b) {
  let product = 0;
  for (let m = X0; m !== 0; m >>>= 1) {
    if (a & m) product ^= b;
    b = b & 1 ? (b >>> 1) ^ CRC_POLY : b >>> 1;
  }
  return product;
}

/** CRC-32C of A‖B from crc(A), crc(B) and |B|, in O(log |B|) without the data. */
export function crc32cCombine(crcA, crcB, lengthB) {
  let p = X0;
  let n = lengthB;
  for (let k = 3; n > 0; k++) {
    if (n % 2 === 1) p = multModP(CRC_POWERS[k], p);
    n = Math.floor(n / 2);
  }
  return (multModP(p, crcA | 0) ^ crcB) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// FNV-1a 64 without BigInt: the state is three limbs, h = hi·2^32 + l1·2^16 + l0, so every
// step is int32 arithmetic the JIT keeps in registers. With p = 2^40 + 435:
//   h·p mod 2^64 = h·435 + (h << 40)
//   l0' = (l0·435) mod 2^16, l1' = (l1·435 + carry0) mod 2^16,
//   hi' = hi·435 + carry1 + (l0 << 8) + (l1 << 24)   (mod 2^32; the rest of h << 40 falls off)
// Each product stays below 2^26, so no step leaves int32 range. Measured 3x faster in V8 than
// splitting into two 32-bit halves through doubles, and faster than BigInt.asUintN.

const FNV_BASIS = Object.freeze({ hi: 0xcbf29ce4, lo: 0x84222325 });

function fnv1a64(startHi, startLo, w) {
  let hi = startHi | 0;
  let l1 = startLo >>> 16;
  let l0 = startLo & 0xffff;
  for (let i = 0; i < w.length; i++) {
    const x = l0 ^ w[i];
    const t0 = x * 435;
    const t1 = l1 * 435 + (t0 >>> 16);
    hi = (Math.imul(hi, 435) + (t1 >>> 16) + (x << 8) + (l1 << 24)) | 0;
    l0 = t0 & 0xffff;
    l1 = t1 & 0xffff;
  }
  return hex8(hi >>> 0) + hex8(((l1 << 16) | l0) >>> 0);
}

function hex8(v) {
  return v.toString(16).padStart(8, '0');
}
