// Runs one PacketFS program in a browser: inline data, or the window of a data_url read with one
// Range request (206, 200 cut to the window, 416 for a window past the end), then the shared
// kernel. Used by the Web Worker (leases from the coordinator) and the Service Worker (/execute).
// The origin must allow this page's origin to read it (CORS, Range, Content-Range exposed).
import { execute, executeWindow, validate } from './packetfs-kernel.mjs';

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

export async function runProgram(program, { signal, maxWindowBytes = 256 * 1024 * 1024 } = {}) {
  const p = validate(program);
  if (p.dataUrl === null) return execute(program);
  if (p.length === 0) return executeWindow(program, new Uint8Array(0));
  if (p.length !== null && p.length > maxWindowBytes) {
    throw new Error(`window of ${p.length} bytes exceeds this browser's limit of ${maxWindowBytes}`);
  }
  const last = p.length === null ? '' : String(p.offset + p.length - 1);
  const response = await fetch(p.dataUrl, { headers: { range: `bytes=${p.offset}-${last}` }, signal, cache: 'no-store' });
  if (response.status === 416) return executeWindow(program, new Uint8Array(0));
  if (response.status !== 200 && response.status !== 206) {
    throw new Error(`${p.dataUrl} answered HTTP ${response.status} to a range request`);
  }
  let skip = p.offset;
  if (response.status === 206) {
    const m = CONTENT_RANGE.exec((response.headers.get('content-range') ?? '').trim());
    if (!m) throw new Error(`${p.dataUrl} answered 206 without a readable Content-Range (is it exposed by CORS?)`);
    if (Number(m[1]) > p.offset) throw new Error(`${p.dataUrl} sent a range starting after the one asked for`);
    skip = p.offset - Number(m[1]);
  }
  const body = new Uint8Array(await response.arrayBuffer());
  const start = Math.min(skip, body.length);
  const end = p.length === null ? body.length : Math.min(body.length, start + p.length);
  return executeWindow(program, body.subarray(start, end));
}
