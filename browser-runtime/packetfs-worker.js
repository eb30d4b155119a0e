// The dedicated Web Worker that computes leases off the page's main thread: one lease at a time,
// posted by packetfs-client.js, answered with {lease, result} or {lease, error, code}, code being
// the worker protocol's error code when the window could not be read (a WindowError's), else null.
import { runProgram } from './packetfs-execute.js';
import { WindowError } from './range-window.mjs';

self.onmessage = async (event) => {
  const { lease, program, deadline_ms: deadlineMs } = event.data;
  try {
    const signal = deadlineMs ? AbortSignal.timeout(deadlineMs) : undefined;
    self.postMessage({ lease, result: await runProgram(program, { signal }) });
  } catch (e) {
    self.postMessage({ lease, error: String(e?.message ?? e), code: e instanceof WindowError ? e.code : null });
  }
};
