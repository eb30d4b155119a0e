// The dedicated Web Worker that computes leases off the page's main thread: one lease at a time,
// posted by packetfs-client.js, answered with {lease, result} or {lease, error}.
import { runProgram } from './packetfs-execute.js';

self.onmessage = async (event) => {
  const { lease, program, deadline_ms: deadlineMs } = event.data;
  try {
    const signal = deadlineMs ? AbortSignal.timeout(deadlineMs) : undefined;
    self.postMessage({ lease, result: await runProgram(program, { signal }) });
  } catch (e) {
    self.postMessage({ lease, error: String(e?.message ?? e) });
  }
};
