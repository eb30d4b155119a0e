// One volunteer on a real WebSocket, for the edge coordinator's tests, its benchmark and
// volunteers.mjs: it joins `url`'s /browser from `address` (the CF-Connecting-IP header, which
// Cloudflare's edge sets and Miniflare passes on), says hello unless `hello` is false, and answers
// each lease with `answer(lease)` (nothing when that returns undefined). `opened`, `welcome` and
// `closed` settle when those happen; `leases` are the leases it was sent.
import WebSocket from 'ws';

export function volunteer(url, { address, concurrency = 1, hello = true, origin, answer } = {}) {
  const headers = { 'cf-connecting-ip': address, ...(origin ? { origin } : {}) };
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/browser`, { headers });
  const leases = [];
  let welcomed;
  const welcome = new Promise((resolve) => (welcomed = resolve));
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const opened = new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('unexpected-response', (_, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    ws.on('error', reject);
  });
  opened.catch(() => {}); // a caller that cares awaits it; the others learn from `closed`
  ws.on('message', (data) => {
    const m = JSON.parse(data);
    if (m.type === 'welcome') welcomed(m);
    if (m.type === 'lease') {
      leases.push(m);
      const reply = answer?.(m);
      if (reply !== undefined) ws.send(JSON.stringify(reply));
    }
  });
  ws.on('open', () => {
    if (hello) ws.send(JSON.stringify({ type: 'hello', version: 1, capabilities: { concurrency, ua_class: 'node' } }));
  });
  return { ws, address, welcome, closed, opened, leases };
}
