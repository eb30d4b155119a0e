// One URL, one address: a data_url whose host is an IPv4 address in a non-canonical form is an
// invalid program (field data_url), over the cases every runtime shares in
// worker-protocol/spec/address-rules.json, the spellings only a WHATWG parser reads, and a
// property: whatever the kernel accepts and the URL parser reads as an IPv4 address is written
// exactly as the parser reads it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import rules from '@packetfs/worker-protocol/spec/address-rules.json' with { type: 'json' };
import { ipv4SpellingProblem, ProgramError, validate } from '../packetfs-kernel.mjs';

function refused(url) {
  assert.throws(
    () => validate({ op: 'crc32c', data_url: url }),
    (e) => e instanceof ProgramError && e.field === 'data_url' && e.message.startsWith('data_url: '),
    url,
  );
}

function accepted(url) {
  assert.doesNotThrow(() => validate({ op: 'crc32c', data_url: url }), url);
}

describe('the shared cases of address-rules.json', () => {
  test('every non-canonical IPv4 spelling is refused naming data_url', () => {
    assert.ok(rules.noncanonical_ipv4_urls.length >= 15);
    for (const { url } of rules.noncanonical_ipv4_urls) refused(url);
  });

  test('the message says what is wrong and how to write it', () => {
    assert.throws(() => validate({ op: 'crc32c', data_url: 'http://u:p@0177.0.0.1:8080/o' }), {
      message:
        'data_url: the host 0177.0.0.1 is an IPv4 address written in a non-canonical form (leading zeros, ' +
        'hex or octal parts, fewer than four parts, or a single number); write it as four decimal numbers',
    });
  });

  test('every canonical address and name is accepted', () => {
    for (const { url } of rules.canonical_ipv4_urls) accepted(url);
  });
});

describe('the host as written', () => {
  test('the address rules, not this rule, refuse 0.0.0.0', () => {
    for (const url of ['http://0.0.0.0/o', 'http://255.255.255.255/o', 'http://10.0.0.1/o']) accepted(url);
  });

  test('spellings only a WHATWG parser reads, as it reads them', () => {
    for (const url of [
      'http:0177.0.0.1/o', // no slashes
      'http:\\\\0177.0.0.1\\o', // backslashes
      'http:///0177.0.0.1/o', // three slashes
      ' http://01\t77.0.0.1/o', // a tab inside, a space before
      'http://01\n77.0.0.1/o', // a newline inside
      'http://%30177.0.0.1/o', // percent-escaped digit, as written
      'http://0177.0.0.%31/o', // percent-escaped digit, read as 0177.0.0.1
      'http://0177.0.0.1%2e/o', // percent-escaped trailing dot
      'http://\uff10\uff11\uff17\uff17.0.0.1/o', // full-width digits
      'http://0177\u30020.0.1/o', // an ideographic full stop
      'http://a@b@0177.0.0.1/o', // the last @ ends the userinfo
    ]) {
      assert.equal(new URL(url).hostname, '127.0.0.1', `${JSON.stringify(url)} is not what this case means`);
      refused(url);
    }
  });

  test('an address the parser decodes into canonical form is still refused: it must be written so', () => {
    for (const url of ['http://1.2.3.%34/o', 'http://1\u30022\u30023\u30024/o', 'http://\uff11.2.3.4/o']) {
      assert.equal(new URL(url).hostname, '1.2.3.4', url);
      refused(url);
    }
  });
});

describe('redirect targets, resolved against the URL that redirected', () => {
  const base = new URL('http://objects.example/a/b');

  test('a reference that names a host is checked', () => {
    for (const location of [
      'http://0177.0.0.1/',
      '//0177.0.0.1/',
      '\\\\0177.0.0.1/',
      '/\\0177.0.0.1/',
      'https:0177.0.0.1/',
      'HTTP://0x7f.1/',
      'https://2130706433:443/',
    ]) {
      assert.match(ipv4SpellingProblem(location, base) ?? 'accepted', /non-canonical/, location);
    }
  });

  test("a reference that keeps the base's host is not", () => {
    // 'http:0177.0.0.1' against an http base is the path /a/0177.0.0.1, not a host.
    for (const location of [
      'http:0177.0.0.1/',
      'http:/0177.0.0.1/',
      'http:\\0177.0.0.1/',
      '/0177.0.0.1',
      '0177.0.0.1',
      '?0x7f',
      '#127.1',
    ]) {
      assert.equal(new URL(location, base).hostname, 'objects.example', location);
      assert.equal(ipv4SpellingProblem(location, base), null, location);
    }
  });

  test("canonical addresses, names, IPv6 and other schemes are not this rule's business", () => {
    for (const location of [
      'http://1.2.3.4/',
      '//example.com/x',
      'http://[::1]/',
      'gopher://0177.0.0.1/',
      'ftp://0177.0.0.1/',
    ]) {
      assert.equal(ipv4SpellingProblem(location, base), null, location);
    }
  });
});

// Hosts built from the pieces IPv4 spellings are made of: digits, hex, dots, escapes, full-width
// forms. Whenever the parser reads one as an IPv4 address and the kernel accepts it, the host
// must have been written exactly as the parser reads it: one URL, one address.
const PIECES = [
  '0',
  '1',
  '2',
  '5',
  '7',
  '9',
  '12',
  '255',
  '256',
  '0x',
  '0X',
  'f',
  'a',
  'x',
  '.',
  '.',
  '.',
  '%30',
  '%31',
  '%2e',
  '\uff11',
  '\u3002',
  '\uff0e',
  '-',
];

test('property: an accepted host the parser reads as IPv4 is written in canonical form', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 14 }), (pieces) => {
      const host = pieces.join('');
      const url = `http://${host}/o`;
      let hostname;
      try {
        hostname = new URL(url).hostname;
      } catch {
        return; // not a URL anywhere
      }
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(hostname)) return; // a name
      let valid = true;
      try {
        validate({ op: 'xor', data_url: url });
      } catch (e) {
        assert.equal(e.field, 'data_url');
        valid = false;
      }
      if (valid) assert.equal(host, hostname, `${url} was accepted and reads as ${hostname}`);
    }),
    { numRuns: 20_000 },
  );
});
