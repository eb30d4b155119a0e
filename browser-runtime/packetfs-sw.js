// The PacketFS Service Worker: within its scope (the folder it is served from) it answers
//   POST <scope>execute   a program in, its result out (400 with {"error"} for a bad program)
//   GET  <scope>health    {"status":"ok","ops":[...]}
// so a page computes through fetch() without the network, and the runtime keeps working offline.
import { OPS, ProgramError } from './packetfs-kernel.mjs';
import { runProgram } from './packetfs-execute.js';

const MAX_BODY_BYTES = 8 * 1024 * 1024;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  const scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  const path = url.pathname.slice(scope.pathname.length);
  if (path === 'execute' && event.request.method === 'POST') event.respondWith(execute(event.request));
  else if (path === 'health' && event.request.method === 'GET')
    event.respondWith(json(200, { status: 'ok', ops: OPS }));
});

async function execute(request) {
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) return json(413, { error: `body exceeds ${MAX_BODY_BYTES} bytes` });
  let program;
  try {
    program = JSON.parse(text);
  } catch (e) {
    return json(400, { error: `body is not valid JSON: ${e.message}` });
  }
  try {
    return json(200, await runProgram(program));
  } catch (e) {
    return json(e instanceof ProgramError ? 400 : 502, { error: e.message });
  }
}

function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
