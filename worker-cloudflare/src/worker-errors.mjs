// The worker protocol's error vocabulary, read from worker-protocol/spec/worker-errors.json (the
// table the Java workers keep too): each error_code travels with the status the table gives it,
// because a dispatcher adapter decides retry, failover or failure from the status alone.

import table from '@packetfs/worker-protocol/spec/worker-errors.json' with { type: 'json' };

const STATUS = new Map(table.errors.map((e) => [e.code, e.status]));

/** The HTTP status of error `code`; a code the table lacks is a bug in this Worker, not input. */
export function statusOf(code) {
  const status = STATUS.get(code);
  if (status === undefined) throw new Error(`error code '${code}' is not in worker-errors.json`);
  return status;
}

/** A failed /compute: {"success": false, "job_id"?, "error", "error_code"} with the table's status. */
export function failureReply(code, message, jobId = null, headers = {}) {
  const body = { success: false, ...(jobId ? { job_id: jobId } : {}), error: message, error_code: code };
  // busy is back-pressure: the caller may come back, and here is when.
  return jsonReply(statusOf(code), body, code === 'busy' ? { 'retry-after': '1', ...headers } : headers);
}

/** A request for no endpoint, or with the wrong method: not a job's failure, so no error_code. */
export function routingReply(status, message) {
  return jsonReply(status, { success: false, error: message });
}

export function jsonReply(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}
