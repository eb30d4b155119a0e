// Which data_url hosts the Worker may fetch from: the rules of the Java workers'
// PublicAddressPolicy (docs/security.md), in JavaScript.
//
// A Worker cannot resolve a name itself and cannot choose the address its fetch() connects to.
// So it refuses what it can see: IP literals in refused ranges (on the parsed URL, which has
// turned every IPv4 spelling into a dotted quad), IPv4 literals written in a non-canonical form
// (0177.0.0.1, 127.1: the kernel's rule, applied here to redirect targets, which no kernel sees),
// names that are loopback or metadata by definition (unless the allow-list exempts every address
// they resolve to), and — when a DNS-over-HTTPS resolver is configured — names whose A/AAAA
// records point into refused ranges. What remains (a name re-pointed between that look-up and
// the fetch) is closed by the platform: subrequests leave from Cloudflare's edge, which does not
// route to a customer's private or loopback addresses.

import { ipv4SpellingProblem } from '@packetfs/kernel';
import rules from '@packetfs/worker-protocol/spec/address-rules.json' with { type: 'json' };

// The refused ranges and the IPv6 forms that carry an IPv4 address are the Java workers' too:
// one file, worker-protocol/spec/address-rules.json, with the reason for each.
const REFUSED = rules.refused_blocks.map((b) => parseCidr(b.block));
const WRAPPED_IPV4 = rules.wrapped_ipv4.map((w) => ({ ...parseCidr(w.prefix), at: w.ipv4_at_byte }));

// Names that are loopback or cloud metadata whatever DNS says.
const REFUSED_NAMES = [/^localhost$/, /\.localhost$/, /^metadata$/, /\.internal$/, /^instance-data$/, /\.local$/];

/** An address or block as 16 bytes (IPv4 as ::ffff:a.b.c.d) and a prefix length over them. */
function parseCidr(text) {
  const [address, bits] = text.split('/');
  const bytes = parseAddress(address);
  if (!bytes) throw new Error(`not an address: ${text}`);
  const isV4 = !address.includes(':');
  const prefix = bits === undefined ? 128 : Number(bits) + (isV4 ? 96 : 0);
  return { bytes, prefix };
}

/** 16 bytes for an IPv4 dotted quad or an IPv6 address (brackets allowed); null for a name. */
export function parseAddress(text) {
  const t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v4 = parseIPv4(t);
  if (v4) return Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4);
  return t.includes(':') ? parseIPv6(t) : null;
}

function parseIPv4(t) {
  const parts = t.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : -1));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : null;
}

function parseIPv6(t) {
  let s = t.split('%')[0]; // a zone index says nothing about the address
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    // A trailing dotted quad (::ffff:127.0.0.1) is two hex groups written another way.
    const v4 = parseIPv4(last);
    if (!v4) return null;
    s = `${s.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const group = (h) => (h === '' ? [] : h.split(':').map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : -1)));
  const head = group(halves[0]);
  const back = halves.length === 2 ? group(halves[1]) : [];
  if ([...head, ...back].some((g) => g < 0)) return null;
  const fill = 8 - head.length - back.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const groups = [...head, ...new Array(fill).fill(0), ...back];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

function inBlock(bytes, { bytes: block, prefix }) {
  for (let bit = 0; bit < prefix; bit += 8) {
    const take = Math.min(8, prefix - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[bit >> 3] & mask) !== (block[bit >> 3] & mask)) return false;
  }
  return true;
}

/** The IPv4 address inside an IPv6 form that wraps one (mapped, compatible, NAT64, 6to4), or null. */
function embeddedIPv4(bytes) {
  const form = WRAPPED_IPV4.find((w) => inBlock(bytes, w));
  return form ? bytes.subarray(form.at, form.at + 4) : null;
}

/** True for an address (16 bytes) a worker must not fetch from, whatever form it is written in. */
export function refusedAddress(bytes) {
  if (REFUSED.some((block) => inBlock(bytes, block))) return true;
  const v4 = embeddedIPv4(bytes);
  return (
    v4 !== null &&
    REFUSED.some((block) => inBlock(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4), block))
  );
}

export class AddressRefused extends Error {}

/**
 * The policy for one Worker: `allowList` is PACKETFS_FETCH_ALLOW_HOSTS (host names matched
 * exactly, IPs and CIDR blocks matched against addresses); `resolve(name, signal)` returns the
 * addresses a name has (16-byte arrays), or null when no resolver is configured.
 */
export class AddressPolicy {
  constructor(allowList, resolve) {
    this.hosts = new Set();
    this.blocks = [];
    for (const entry of (allowList ?? '')
      .split(',')
      .map((e) => e.trim().toLowerCase())
      .filter(Boolean)) {
      const address = entry.split('/')[0];
      if (parseAddress(address)) this.blocks.push(parseCidr(entry));
      else this.hosts.add(entry);
    }
    this.resolve = resolve;
  }

  allowedAddress(bytes) {
    return this.exempt(bytes) || !refusedAddress(bytes);
  }

  exempt(bytes) {
    return this.blocks.some((block) => inBlock(bytes, block));
  }

  /**
   * Resolves when `url` may be fetched; rejects with AddressRefused naming the reason.
   * `written` is the text `url` was parsed from, against `base` (a redirect's Location and the
   * URL that redirected): the parsed URL no longer shows how its host was spelled. `signal`
   * ends a DNS look-up.
   */
  async check(url, { written = url.href, base = null, signal } = {}) {
    const spelling = ipv4SpellingProblem(written, base);
    if (spelling !== null) throw new AddressRefused(spelling);
    const host = url.hostname.toLowerCase();
    if (this.hosts.has(host) || this.hosts.has(host.replace(/^\[|\]$/g, ''))) return;
    const literal = parseAddress(host);
    if (literal) {
      if (!this.allowedAddress(literal)) {
        throw new AddressRefused(`${host} is an address workers may not fetch from`);
      }
      return;
    }
    const name = host.replace(/\.$/, '');
    const addresses = (this.resolve ? await this.resolve(name, signal) : null) ?? [];
    // fetch() resolves a local or metadata name its own way, whatever the DNS-over-HTTPS look-up
    // said: such a name passes only when every address the look-up gave is one the allow-list
    // exempts (as a test's 127.0.0.1 does), never for merely being public.
    if (
      REFUSED_NAMES.some((pattern) => pattern.test(name)) &&
      !(addresses.length > 0 && addresses.every((a) => this.exempt(a)))
    ) {
      throw new AddressRefused(`${host} names a local or metadata host, which workers may not fetch from`);
    }
    for (const address of addresses) {
      if (!this.allowedAddress(address)) {
        throw new AddressRefused(`${host} resolves to an address workers may not fetch from`);
      }
    }
  }
}
