// Which data_url hosts the Worker may fetch from: the rules of the Java workers'
// PublicAddressPolicy (DESIGN.md, "Security rules"), in JavaScript.
//
// A Worker cannot resolve a name itself and cannot choose the address its fetch() connects to.
// So it refuses what it can see: IP literals in refused ranges (in every spelling; the URL parser
// has already turned decimal, octal and hex IPv4 forms into dotted quads), names that are
// loopback or metadata by definition, and — when a DNS-over-HTTPS resolver is configured — names
// whose A/AAAA records point into refused ranges. What remains (a name re-pointed between that
// look-up and the fetch) is closed by the platform: subrequests leave from Cloudflare's edge,
// which does not route to a customer's private or loopback addresses.

const REFUSED = [
  '0.0.0.0/8', //          "this network"
  '10.0.0.0/8', //         private
  '100.64.0.0/10', //      carrier-grade NAT (and Alibaba's metadata, 100.100.100.200)
  '127.0.0.0/8', //        loopback
  '169.254.0.0/16', //     link-local, with the metadata service at 169.254.169.254
  '172.16.0.0/12', //      private
  '192.0.0.0/24', //       IETF protocol assignments
  '192.0.2.0/24', //       documentation
  '192.168.0.0/16', //     private
  '198.18.0.0/15', //      benchmarking
  '198.51.100.0/24', //    documentation
  '203.0.113.0/24', //     documentation
  '224.0.0.0/4', //        multicast
  '240.0.0.0/4', //        reserved, and broadcast
  '::/128', //             unspecified
  '::1/128', //            loopback
  '100::/64', //           discard
  '2001:db8::/32', //      documentation
  'fc00::/7', //           unique local, with AWS metadata fd00:ec2::254 and Fly's fdaa::/16
  'fe80::/10', //          link-local
  'fec0::/10', //          site-local
  'ff00::/8', //           multicast
].map(parseCidr);

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

/** The IPv4 address inside mapped, compatible, NAT64 (64:ff9b::/96) and 6to4 (2002::/16) forms. */
function embeddedIPv4(b) {
  const zeroTo10 = b.subarray(0, 10).every((x) => x === 0);
  const mapped = zeroTo10 && b[10] === 0xff && b[11] === 0xff;
  const compatible = zeroTo10 && b[10] === 0 && b[11] === 0;
  const nat64 = b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.subarray(4, 12).every((x) => x === 0);
  if (mapped || compatible || nat64) return b.subarray(12, 16);
  if (b[0] === 0x20 && b[1] === 0x02) return b.subarray(2, 6);
  return null;
}

/** True for an address (16 bytes) a worker must not fetch from, whatever form it is written in. */
export function refusedAddress(bytes) {
  if (REFUSED.some((block) => inBlock(bytes, block))) return true;
  const v4 = embeddedIPv4(bytes);
  return v4 !== null && REFUSED.some((block) => inBlock(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4), block));
}

export class AddressRefused extends Error {}

/**
 * The policy for one Worker: `allowList` is PACKETFS_FETCH_ALLOW_HOSTS (host names matched
 * exactly, IPs and CIDR blocks matched against addresses); `resolve(name)` returns the addresses
 * a name has (16-byte arrays), or null when no resolver is configured.
 */
export class AddressPolicy {
  constructor(allowList, resolve) {
    this.hosts = new Set();
    this.blocks = [];
    for (const entry of (allowList ?? '').split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)) {
      const address = entry.split('/')[0];
      if (parseAddress(address)) this.blocks.push(parseCidr(entry));
      else this.hosts.add(entry);
    }
    this.resolve = resolve;
  }

  allowedAddress(bytes) {
    return this.blocks.some((block) => inBlock(bytes, block)) || !refusedAddress(bytes);
  }

  /** Resolves when `url` may be fetched; rejects with AddressRefused naming the reason. */
  async check(url) {
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
    if (REFUSED_NAMES.some((pattern) => pattern.test(name))) {
      throw new AddressRefused(`${host} names a local or metadata host, which workers may not fetch from`);
    }
    const addresses = this.resolve ? await this.resolve(name) : null;
    for (const address of addresses ?? []) {
      if (!this.allowedAddress(address)) {
        throw new AddressRefused(`${host} resolves to an address workers may not fetch from`);
      }
    }
  }
}
