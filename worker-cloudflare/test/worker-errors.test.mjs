// The Worker's errors against the one table every worker keeps, worker-protocol/spec/worker-errors.json:
// each code the Worker can answer is in it, and travels with its status. Plain Node, no workerd
// (worker.test.mjs checks the replies workerd sends against the same table).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import table from '@packetfs/worker-protocol/spec/worker-errors.json' with { type: 'json' };
import { failureReply, statusOf } from '../src/worker-errors.mjs';

const sources = new URL('../src/', import.meta.url);
const shared = new URL(import.meta.resolve('@packetfs/worker-protocol'));

test('the lookup agrees with the table for every code', () => {
  assert.ok(table.errors.length > 0);
  for (const { code, status } of table.errors) assert.equal(statusOf(code), status, code);
});

test('a code outside the table is refused, not sent with a guessed status', () => {
  for (const code of ['not_a_code', 'BAD_REQUEST', '', undefined])
    assert.throws(() => statusOf(code), /worker-errors.json/);
});

test('a failure reply carries the code, the message, the job id and the table status', async () => {
  for (const { code, status } of table.errors) {
    const reply = failureReply(code, `because ${code}`, 'job-7');
    assert.equal(reply.status, status, code);
    assert.deepEqual(await reply.json(), {
      success: false,
      job_id: 'job-7',
      error: `because ${code}`,
      error_code: code,
    });
  }
  assert.equal(failureReply('busy', 'full').headers.get('retry-after'), '1');
  assert.equal((await failureReply('internal', 'x').json()).job_id, undefined);
});

test('every error code the Worker code names is in the table', () => {
  const known = new Set(table.errors.map((e) => e.code));
  const named = codesNamed([...readdirSync(sources).map((f) => new URL(f, sources)), shared]);
  assert.ok(named.size >= 8, `found only ${[...named]}: has the code changed shape?`);
  for (const code of named)
    assert.ok(known.has(code), `the Worker can answer '${code}', which worker-errors.json lacks`);
});

test('no status number is written next to an error code', () => {
  for (const file of readdirSync(sources)) {
    const text = readFileSync(new URL(file, sources), 'utf8');
    assert.doesNotMatch(text, /(failure|Error)\w*\(\s*[1-5]\d\d\b/, file);
  }
});

/**
 * The literal codes given to failureReply, FetchError and WindowError: the first argument of
 * each call, where a conditional may name two.
 */
function codesNamed(files) {
  const codes = new Set();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const [, first] of text.matchAll(/(?:failureReply|FetchError|WindowError)\(([^,()]*),/g)) {
      for (const [, code] of first.matchAll(/'([a-z_]+)'/g)) codes.add(code);
    }
  }
  return codes;
}
