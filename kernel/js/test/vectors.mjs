// Reads kernel/spec/vectors.json and rebuilds each case's object bytes (see its "about").
import { readFileSync } from 'node:fs';

const file = new URL('../../spec/vectors.json', import.meta.url);
export const vectors = JSON.parse(readFileSync(file, 'utf8'));

/**
 * A case's program with its object's bytes inline in `data` (base64), for runtimes tested without
 * an origin. Inline data has no version: a case pinned to its object's size is the same case.
 */
export function inlined(c) {
  if (!c.object) return c.program;
  const { version, ...unpinned } = c.program;
  return { ...unpinned, data: Buffer.from(objectBytes(c.object)).toString('base64') };
}

export function objectBytes(object) {
  if ('text' in object) return new TextEncoder().encode(object.text);
  if ('fill' in object) return new Uint8Array(object.fill.size).fill(object.fill.byte);
  return xorshift32(object.prng.seed, object.prng.size);
}

export function xorshift32(seed, size) {
  const bytes = new Uint8Array(size);
  let x = seed | 0;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    for (let k = 0; k < 4 && i + k < size; k++) bytes[i + k] = (x >>> (8 * k)) & 0xff;
  }
  return bytes;
}
