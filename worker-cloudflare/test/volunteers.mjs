// Volunteers for tests of a dispatcher that leases through the edge coordinator: WebSocket clients
// that join a Worker's /browser, each from an address of its own (CF-Connecting-IP, which Miniflare
// passes on), and answer inline programs with the shared kernel, or, as liars, with a checksum one
// off. One line on stdout per event: "JOINED <node> <address>", "LEASED <node> <lease>",
// "CLOSED <node> <code> <reason>". Runs until its stdin closes (the test that started it ended).
//
//   node test/volunteers.mjs <worker url> <honest> <liars> [concurrency]
import { execute } from '@packetfs/kernel';
import { volunteer } from './volunteer.mjs';

const [url, honest, liars, concurrency = '1'] = process.argv.slice(2);
const say = (line) => process.stdout.write(`${line}\n`);

function join(index, lies) {
  let node = '?';
  const v = volunteer(url, {
    address: `198.51.100.${index + 1}`,
    concurrency: Number(concurrency),
    answer: (lease) => {
      say(`LEASED ${node} ${lease.lease}`);
      try {
        const result = execute(lease.program);
        if (lies && 'checksum' in result) result.checksum = (result.checksum + 1) % 2 ** 32;
        return { type: 'result', lease: lease.lease, result };
      } catch (e) {
        return { type: 'error', lease: lease.lease, error: String(e.message ?? e) };
      }
    },
  });
  v.welcome.then((m) => {
    node = m.node;
    say(`JOINED ${node} ${v.address}`);
  });
  v.closed.then(({ code, reason }) => say(`CLOSED ${node} ${code} ${reason}`));
  return v.ws;
}

const sockets = [];
for (let i = 0; i < Number(honest) + Number(liars); i++) sockets.push(join(i, i >= Number(honest)));
process.stdin.on('end', () => {
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
process.stdin.resume();
