// The Worker's address rules as plain JavaScript (the same module runs in workerd in
// worker.test.mjs), over the cases every runtime shares: worker-protocol/spec/address-rules.json.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import rules from '@packetfs/worker-protocol/spec/address-rules.json' with { type: 'json' };
import { AddressPolicy, AddressRefused, parseAddress, refusedAddress } from '../src/address-policy.mjs';

const refused = (text) => refusedAddress(parseAddress(text));

/** A resolver answering `answers[name]`, recording every name it is asked. */
function resolver(answers = {}) {
  const asked = [];
  const resolve = async (name) => {
    asked.push(name);
    return (answers[name] ?? []).map(parseAddress);
  };
  return { resolve, asked };
}

describe('the shared cases of address-rules.json', () => {
  test('every refused address is refused', () => {
    for (const { address, why } of rules.refused_addresses) {
      assert.ok(parseAddress(address), `${address} does not parse`);
      assert.ok(refused(address), `${address} (${why}) is not refused`);
    }
  });

  test('every allowed address is allowed', () => {
    for (const address of rules.allowed_addresses) {
      assert.ok(parseAddress(address), `${address} does not parse`);
      assert.ok(!refused(address), `${address} is refused`);
    }
  });

  test('every refused URL is refused before any fetch, its literal never sent to the resolver', async () => {
    for (const { url, why } of rules.refused_urls) {
      const { resolve, asked } = resolver();
      await assert.rejects(
        new AddressPolicy('', resolve).check(new URL(url), { written: url }),
        AddressRefused,
        `${url} (${why})`,
      );
      assert.deepEqual(asked, [], `${url} went to the resolver`);
    }
  });

  test('every non-canonical IPv4 spelling a URL parser reads is refused as written, even when allow-listed', async () => {
    const parsed = rules.noncanonical_ipv4_urls.filter(({ url }) => URL.canParse(url));
    assert.ok(parsed.length >= 12, `only ${parsed.length} cases parse`);
    for (const { url, why } of parsed) {
      const { resolve, asked } = resolver();
      const policy = new AddressPolicy(new URL(url).hostname, resolve);
      await assert.rejects(policy.check(new URL(url), { written: url }), (e) => {
        assert.ok(e instanceof AddressRefused, `${url} (${why}): ${e}`);
        assert.match(e.message, /written in a non-canonical form/, url);
        return true;
      });
      assert.deepEqual(asked, [], `${url} went to the resolver`);
    }
  });

  test('every canonical IPv4 spelling and name passes the spelling rule', async () => {
    for (const { url, why } of rules.canonical_ipv4_urls) {
      await new AddressPolicy('', resolver().resolve)
        .check(new URL(url), { written: url })
        .catch((e) => assert.fail(`${url} (${why}): ${e}`));
    }
  });

  test('every allow-list case', async () => {
    for (const c of rules.allow_list_cases) {
      const { resolve, asked } = resolver({ [c.host]: [c.address] });
      const check = new AddressPolicy(c.allow, resolve).check(new URL(`http://${c.host}/`));
      const what = `allow "${c.allow}", ${c.host} at ${c.address}`;
      if (c.allowed) await check;
      else await assert.rejects(check, AddressRefused, what);
      // An IP literal is its own address: only names are looked up.
      if (parseAddress(c.host)) assert.deepEqual(asked, [], `${what}: a literal went to the resolver`);
    }
  });

  test('every refused block refuses its first and last address', () => {
    for (const { block } of rules.refused_blocks) {
      const [first, bits] = block.split('/');
      const last = lastOf(parseAddress(first), Number(bits) + (first.includes(':') ? 0 : 96));
      assert.ok(refused(first), block);
      assert.ok(refusedAddress(last), `${block}: last address`);
    }
  });
});

function lastOf(bytes, prefix) {
  const last = Uint8Array.from(bytes);
  for (let bit = prefix; bit < 128; bit++) last[bit >> 3] |= 0x80 >> (bit & 7);
  return last;
}

describe('spellings only JavaScript sees', () => {
  test('brackets and zone indexes are read through', () => {
    for (const a of ['[::1]', 'fe80::1%eth0', '[::ffff:127.0.0.1]']) assert.ok(refused(a), a);
  });

  test('names are not addresses; malformed addresses are not parsed', () => {
    for (const t of ['example.com', '1.2.3', '1.2.3.256', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', '::ffff:1.2.3', '']) {
      assert.equal(parseAddress(t), null, t);
    }
  });
});

describe('redirect targets: a Location is checked as written, resolved against the URL that redirected', () => {
  const base = new URL('http://objects.example/a/b');
  const check = (location, policy = new AddressPolicy('127.0.0.1', null)) =>
    policy.check(new URL(location, base), { written: location, base });

  test('a non-canonical IPv4 host is refused in every way a Location can name one', async () => {
    for (const location of [
      'http://0177.0.0.1/',
      '//0177.0.0.1:8080/o',
      '\\\\0x7f.1/',
      'https:2130706433/',
      'HTTP://127.1/',
    ]) {
      await assert.rejects(check(location), /written in a non-canonical form/, location);
    }
  });

  test('a relative Location keeps the host that was already checked', async () => {
    for (const location of ['/0177.0.0.1', '0x7f.1', 'http:127.1/x', '?127.1']) await check(location);
  });
});

describe('names', () => {
  test('local and metadata names are refused without a resolver, or when it answers nothing', async () => {
    for (const resolve of [null, resolver().resolve]) {
      for (const url of [
        'http://localhost/',
        'http://a.localhost/',
        'http://metadata.google.internal/',
        'http://metadata/',
        'http://instance-data/',
        'http://printer.local/',
        'http://localhost./',
      ]) {
        await assert.rejects(new AddressPolicy('', resolve).check(new URL(url)), AddressRefused, url);
      }
    }
  });

  test('a local name is refused even when it resolves to public addresses only', async () => {
    const { resolve } = resolver({ 'metadata.google.internal': ['8.8.8.8'] });
    await assert.rejects(
      new AddressPolicy('', resolve).check(new URL('http://metadata.google.internal/')),
      AddressRefused,
    );
  });

  test('a resolver answer in a refused range refuses the name', async () => {
    const { resolve } = resolver({
      'evil.example': ['93.184.215.14', '192.168.0.10'],
      'good.example': ['93.184.215.14'],
    });
    const policy = new AddressPolicy('', resolve);
    await assert.rejects(policy.check(new URL('https://evil.example/o')), AddressRefused);
    await policy.check(new URL('https://good.example/o'));
  });
});
