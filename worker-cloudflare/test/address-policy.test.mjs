// The Worker's address rules as plain JavaScript (the same module runs in workerd in worker.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressPolicy, AddressRefused, parseAddress, refusedAddress } from '../src/address-policy.mjs';

const refused = (text) => refusedAddress(parseAddress(text));

test('every refused class, in every spelling the URL parser leaves', () => {
  for (const a of ['0.0.0.0', '10.1.2.3', '100.64.0.1', '100.100.100.200', '127.0.0.1', '169.254.169.254', '172.31.255.255',
    '192.168.0.1', '198.18.0.1', '224.0.0.1', '255.255.255.255', '::', '::1', 'fc00::1', 'fd00:ec2::254', 'fdaa::2',
    'fe80::1', 'fec0::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::127.0.0.1', '64:ff9b::a9fe:a9fe',
    '2002:a9fe:a9fe::', '[::1]', 'fe80::1%eth0']) {
    assert.ok(refused(a), a);
  }
  for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2001:4860::8888', '::ffff:8.8.8.8']) {
    assert.ok(!refused(a), a);
  }
});

test('names are not addresses; malformed addresses are not parsed', () => {
  for (const t of ['example.com', '1.2.3', '1.2.3.256', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1']) {
    assert.equal(parseAddress(t), null, t);
  }
});

test('the allow-list exempts hosts by name and addresses by block', async () => {
  const policy = new AddressPolicy(' 127.0.0.1, 10.0.0.0/8 ,files.internal,fd00::/8', null);
  for (const url of ['http://127.0.0.1:9/x', 'http://10.9.9.9/', 'http://files.internal/', 'http://[fd12::1]/']) {
    await policy.check(new URL(url));
  }
  for (const url of ['http://127.0.0.2/', 'http://192.168.1.1/', 'http://other.internal/', 'http://localhost/', 'http://[fe80::1]/']) {
    await assert.rejects(policy.check(new URL(url)), AddressRefused, url);
  }
});

test('a resolver answer in a refused range refuses the name', async () => {
  const policy = new AddressPolicy('', async (name) => (name === 'evil.example' ? [parseAddress('192.168.0.10')] : [parseAddress('93.184.215.14')]));
  await assert.rejects(policy.check(new URL('https://evil.example/o')), AddressRefused);
  await policy.check(new URL('https://good.example/o'));
});
