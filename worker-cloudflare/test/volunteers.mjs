// Volunteers for tests of a dispatcher that leases through the edge coordinator: WebSocket clients
// that join a Worker's /browser, each from an address of its own (CF-Connecting-IP, which Miniflare
// passes on), and answer inline programs with the shared kernel, or, as liars, with a checksum one
// off. One line on stdout per event: "JOINED <node> <address>", "LEASED <node> <lease>",
// "CLOSED <node> <code> <reason>". Runs until its stdin closes (the test that started it ended).
//
//   node test/volunteers.mjs <worker url> <honest> <liars> [concurrency]
import WebSocket from 'ws';
import { execute } from '@packetfs/kernel';

const [url, honest, liars, concurrency = '1'] = process.argv.slice(2);
const say = (line) => process.stdout.write(`${line}\n`);

function join(index, lies) {
  const address = `198.51.100.${index + 1}`;
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/browser`, { headers: { 'cf-connecting-ip': address } });
  let node = '?';
  ws.on('open', () =>
    ws.send(JSON.stringify({ type: 'hello', version: 1, capabilities: { concurrency: Number(concurrency) } })),
  );
  ws.on('message', (data) => {
    const m = JSON.parse(data);
    if (m.type === 'welcome') {
      node = m.node;
      say(`JOINED ${node} ${address}`);
    }
    if (m.type === 'lease') {
      say(`LEASED ${node} ${m.lease}`);
      let reply;
      try {
        const result = execute(m.program);
        if (lies && 'checksum' in result) result.checksum = (result.checksum + 1) % 2 ** 32;
        reply = { type: 'result', lease: m.lease, result };
      } catch (e) {
        reply = { type: 'error', lease: m.lease, error: String(e.message ?? e) };
      }
      ws.send(JSON.stringify(reply));
    }
  });
  ws.on('close', (code, reason) => say(`CLOSED ${node} ${code} ${reason}`));
  return ws;
}

const sockets = [];
for (let i = 0; i < Number(honest) + Number(liars); i++) sockets.push(join(i, i >= Number(honest)));
process.stdin.on('end', () => {
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
process.stdin.resume();
