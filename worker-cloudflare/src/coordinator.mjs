// The volunteer coordinator at the edge: Durable Objects that hold volunteer browsers' WebSockets and
// lease them programs on a dispatcher's behalf (docs/volunteer-protocol.md, "The edge coordinator").
//
//   GET  /browser         a volunteer's WebSocket: the volunteer protocol, unchanged
//   POST /browser/lease   a dispatcher's lease: {"program", "deadline_ms", "exclude_nodes"?, "exclude_addresses"?, "node"?}
//   POST /browser/close   a dispatcher's word that a node lied: {"node", "reason"?}
//   GET  /browser/stats   volunteers, slots and busy slots per shard
//
// The three dispatcher routes take the worker token (Authorization: Bearer PACKETFS_WORKER_TOKEN).
// Volunteers are spread over PACKETFS_BROWSER_SHARDS objects by a hash of their address, so that one
// address's connections meet in one object, which counts them. Everything that decides trust (which
// jobs may reach a browser, quorums, spot checks, who lied) stays in the dispatcher: an object only
// relays a lease to a free volunteer and its answer back, and closes the node it is told to close.
//
// The objects use the WebSocket Hibernation API: an object holding only idle volunteers is evicted
// from memory and bills no duration, and its sockets stay open. What must survive that (a node's id,
// address and slots) is each socket's attachment; what lives in memory (leases in flight, message
// counts) exists only while a request or a message keeps the object awake.

import { DurableObject } from 'cloudflare:workers';
import { coordinatorSettings, originAllowed, shardOf, shardOfNode } from './coordinator-rules.mjs';
import { failureReply, jsonReply, routingReply } from './worker-errors.mjs';

const MAX_MESSAGE_BYTES = 64 * 1024;
const MAX_REASON_CHARS = 120;
/** WebSocket.OPEN (workerd names it READY_STATE_OPEN). */
const OPEN = 1;

/**
 * The Worker's side of /browser*: where a volunteer or a lease goes. `authorized` checks the
 * dispatcher's token; null when the route is not the coordinator's.
 */
export async function coordinate(request, env, url, authorized) {
  const path = url.pathname;
  if (path !== '/browser' && !path.startsWith('/browser/')) return null;
  if (!env.VOLUNTEERS) return routingReply(404, 'this worker has no volunteer coordinator (no VOLUNTEERS binding)');
  const settings = coordinatorSettings(env);
  if (path === '/browser') return join(request, env, settings);
  const route = { '/browser/lease': 'POST', '/browser/close': 'POST', '/browser/stats': 'GET' }[path];
  if (!route) return routingReply(404, `no such endpoint: ${request.method} ${path}`);
  if (request.method !== route) return routingReply(405, `${path} takes ${route}`);
  const denied = await authorized(request);
  if (denied) return denied;
  if (path === '/browser/stats') return stats(env, settings);
  let body;
  try {
    body = await request.json();
  } catch {
    return failureReply('bad_request', `${path} takes a JSON object`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return failureReply('bad_request', `${path} takes a JSON object`);
  }
  return path === '/browser/lease' ? lease(body, env, settings) : close(body, env, settings);
}

/** A volunteer's handshake: its origin checked here, then handed to its address's shard. */
function join(request, env, settings) {
  if ((request.headers.get('upgrade') ?? '').toLowerCase() !== 'websocket') {
    return routingReply(426, '/browser is a WebSocket: connect with Upgrade: websocket');
  }
  const origin = request.headers.get('origin');
  if (origin !== null && !originAllowed(origin, new URL(request.url).host, settings.allowedOrigins)) {
    return new Response('this origin may not join', { status: 403 });
  }
  const address = request.headers.get('cf-connecting-ip') ?? 'unknown';
  const shard = shardOf(address, settings.shards);
  const headers = new Headers(request.headers);
  headers.set('x-packetfs-address', address);
  headers.set('x-packetfs-shard', String(shard));
  return shardStub(env, shard).fetch(new Request('https://shard/join', { headers }));
}

function shardStub(env, shard) {
  return env.VOLUNTEERS.get(env.VOLUNTEERS.idFromName(`shard-${shard}`));
}

/**
 * A lease goes to the shards in turn from a random one until one has a free volunteer (409 from
 * the others). None free: 429 busy, which a dispatcher treats as back-pressure.
 */
async function lease(body, env, settings) {
  const deadline = body.deadline_ms;
  if (!Number.isInteger(deadline) || deadline < 1 || deadline > settings.maxDeadlineMs) {
    return failureReply(
      'bad_request',
      `deadline_ms must be a whole number of milliseconds, 1..${settings.maxDeadlineMs}`,
    );
  }
  if (body.program === null || typeof body.program !== 'object' || Array.isArray(body.program)) {
    return failureReply('bad_request', 'program must be a program object (docs/kernel.md)');
  }
  for (const list of ['exclude_nodes', 'exclude_addresses']) {
    if (body[list] !== undefined && !(Array.isArray(body[list]) && body[list].every((v) => typeof v === 'string'))) {
      return failureReply('bad_request', `${list} must be a list of strings`);
    }
  }
  const payload = JSON.stringify({
    program: body.program,
    deadline_ms: deadline,
    exclude_nodes: body.exclude_nodes ?? [],
    exclude_addresses: body.exclude_addresses ?? [],
    node: body.node ?? null,
  });
  if (body.node !== undefined) {
    // A spot check: this node only, whether or not it has a free slot.
    const shard = typeof body.node === 'string' ? shardOfNode(body.node, settings.shards) : null;
    if (shard === null) return failureReply('bad_request', 'node must be a node id this coordinator gave');
    const reply = await askShard(env, shard, payload);
    return billedReply(reply, 1, reply.body.active_ms);
  }
  const start = Math.floor(Math.random() * settings.shards);
  let activeMs = 0;
  for (let i = 0; i < settings.shards; i++) {
    const reply = await askShard(env, (start + i) % settings.shards, payload);
    activeMs += reply.body.active_ms;
    if (reply.status !== 409) return billedReply(reply, i + 1, activeMs);
  }
  const busy = { success: false, error: 'no volunteer has a free slot', error_code: 'busy' };
  return billedReply({ status: 429, body: busy }, settings.shards, activeMs, { 'retry-after': '1' });
}

async function askShard(env, shard, payload) {
  const reply = await shardStub(env, shard).fetch('https://shard/lease', { method: 'POST', body: payload });
  return { status: reply.status, body: await reply.json() };
}

/** Cloudflare bills a Durable Object 128 MB for the time it is active, whatever it uses. */
const OBJECT_GB = 0.128;
/** Incoming WebSocket messages are billed as requests at 20 to 1. */
const MESSAGE_REQUESTS = 1 / 20;

/**
 * A lease's reply with what Cloudflare bills for it, for the dispatcher's books: this Worker's
 * request, a request to each shard asked and the volunteer's answer message, and the time the
 * shards were active (the one that leased is active until the answer comes).
 */
function billedReply({ status, body }, shardsAsked, activeMs, headers = {}) {
  const { active_ms: _, ...reply } = body;
  const answered = status === 200; // the volunteer's result or error message came
  reply.billed = {
    requests: 1,
    do_requests: shardsAsked + (answered ? MESSAGE_REQUESTS : 0),
    do_gb_seconds: (OBJECT_GB * activeMs) / 1000,
  };
  return jsonReply(status, reply, headers);
}

async function close(body, env, settings) {
  const node = typeof body.node === 'string' ? body.node : '';
  const shard = shardOfNode(node, settings.shards);
  if (shard === null) return failureReply('bad_request', 'node must be a node id this coordinator gave');
  const reason = typeof body.reason === 'string' && body.reason ? body.reason : 'a result failed verification';
  return shardStub(env, shard).fetch('https://shard/close', {
    method: 'POST',
    body: JSON.stringify({ node, reason: reason.slice(0, MAX_REASON_CHARS) }),
  });
}

async function stats(env, settings) {
  const shards = await Promise.all(
    Array.from({ length: settings.shards }, (_, shard) =>
      shardStub(env, shard)
        .fetch('https://shard/stats')
        .then((r) => r.json())
        .then((s) => ({ shard, ...s })),
    ),
  );
  const sum = (key) => shards.reduce((n, s) => n + s[key], 0);
  return jsonReply(200, { volunteers: sum('volunteers'), slots: sum('slots'), busy: sum('busy'), shards });
}

/**
 * One shard of volunteers. Reached only through the Worker (join, lease, close, stats); its
 * sockets are tagged with the node's address and id, so that it can count an address's
 * connections and find a node without keeping either in memory.
 */
export class VolunteerShard extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.settings = coordinatorSettings(env);
    /** Leases in flight, by lease id: {node, resolve}. */
    this.pending = new Map();
    /** Lease ids in flight per node. */
    this.busy = new Map();
    /** Per node, the second and the count of messages answering no lease of its own. */
    this.unsolicited = new Map();
    this.nextLease = 0;
    this.cursor = 0;
    /** Which life of this object answers: a new one after each wake from hibernation. */
    this.incarnation = randomHex(4);
  }

  async fetch(request) {
    switch (new URL(request.url).pathname) {
      case '/join':
        return this.join(request);
      case '/lease': {
        // Date.now() moves only with I/O here, which the wait for a volunteer's answer is.
        const start = Date.now();
        const reply = await this.lease(await request.json());
        return jsonReply(reply.status, { ...(await reply.json()), active_ms: Date.now() - start });
      }
      case '/close':
        return this.closeNode(await request.json());
      case '/stats':
        return jsonReply(200, this.stats());
      default:
        return new Response('not found', { status: 404 });
    }
  }

  join(request) {
    const address = request.headers.get('x-packetfs-address') ?? 'unknown';
    const shard = request.headers.get('x-packetfs-shard') ?? '0';
    const [client, server] = Object.values(new WebSocketPair());
    const refusal =
      this.ctx.getWebSockets().length >= this.settings.maxConnectionsPerShard
        ? [1013, `this shard holds ${this.settings.maxConnectionsPerShard} volunteers: try again later`]
        : this.ctx.getWebSockets(`a:${address}`).length >= this.settings.maxConnectionsPerAddress
          ? [1008, `more than ${this.settings.maxConnectionsPerAddress} connections from one address`]
          : null;
    if (refusal) {
      server.accept(); // not hibernatable: it is closed at once
      server.close(...refusal);
      return new Response(null, { status: 101, webSocket: client });
    }
    const node = `${shard}.${randomHex(8)}`;
    this.ctx.acceptWebSocket(server, [`a:${address}`, `n:${node}`]);
    server.serializeAttachment({ node, address, concurrency: 0, ua: '' });
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * A free volunteer, not one excluded, in turn, or the one named (even when all its slots are
   * taken); its answer, or why there is none.
   */
  async lease({
    program,
    deadline_ms: deadlineMs,
    exclude_nodes: excludeNodes,
    exclude_addresses: excludeAddresses,
    node: only,
  }) {
    if (only) {
      const named = this.ctx
        .getWebSockets(`n:${only}`)
        .filter((ws) => ws.readyState === OPEN && ws.deserializeAttachment().concurrency > 0);
      if (named.length === 0) {
        return jsonReply(502, {
          node: only,
          error: `volunteer ${only} is not connected`,
          error_code: 'volunteer_left',
        });
      }
      return this.send(named[0], program, deadlineMs);
    }
    const nodes = new Set(excludeNodes);
    const addresses = new Set(excludeAddresses);
    const free = this.ctx.getWebSockets().filter((ws) => {
      const a = ws.deserializeAttachment();
      return (
        a.concurrency > 0 &&
        (this.busy.get(a.node)?.size ?? 0) < a.concurrency &&
        !nodes.has(a.node) &&
        !addresses.has(a.address) &&
        ws.readyState === OPEN
      );
    });
    if (free.length === 0) return jsonReply(409, { error: 'no free volunteer in this shard' });
    return this.send(free[this.cursor++ % free.length], program, deadlineMs);
  }

  /** Sends one lease to the volunteer on `ws`; its answer, a timeout, or its leaving. */
  async send(ws, program, deadlineMs) {
    const { node, address } = ws.deserializeAttachment();
    const id = (this.nextLease++).toString(36) + randomHex(2);
    const answer = new Promise((resolve) => {
      this.pending.set(id, { node, resolve });
      if (!this.busy.has(node)) this.busy.set(node, new Set());
      this.busy.get(node).add(id);
    });
    const timer = setTimeout(
      () => this.end(id, 504, { error: `no answer within ${deadlineMs} ms`, error_code: 'timeout' }),
      deadlineMs,
    );
    try {
      ws.send(JSON.stringify({ type: 'lease', lease: id, program, deadline_ms: deadlineMs }));
    } catch {
      this.end(id, 502, { error: `volunteer ${node} left`, error_code: 'volunteer_left' });
    }
    const [status, outcome] = await answer;
    clearTimeout(timer);
    return jsonReply(status, { node, address, ...outcome });
  }

  /** Ends lease `id` with this reply, if it is still in flight. */
  end(id, status, outcome) {
    const lease = this.pending.get(id);
    if (!lease) return false;
    this.pending.delete(id);
    const held = this.busy.get(lease.node);
    held?.delete(id);
    if (held?.size === 0) this.busy.delete(lease.node);
    lease.resolve([status, outcome]);
    return true;
  }

  endLeasesOf(node, why) {
    for (const id of [...(this.busy.get(node) ?? [])]) {
      this.end(id, 502, { error: why, error_code: 'volunteer_left' });
    }
  }

  closeNode({ node, reason }) {
    const sockets = this.ctx.getWebSockets(`n:${node}`);
    for (const ws of sockets) ws.close(1008, reason);
    this.endLeasesOf(node, `volunteer ${node} was closed: ${reason}`);
    return jsonReply(200, { closed: sockets.length > 0 });
  }

  stats() {
    let volunteers = 0;
    let slots = 0;
    for (const ws of this.ctx.getWebSockets()) {
      const a = ws.deserializeAttachment();
      if (a.concurrency > 0) {
        volunteers++;
        slots += a.concurrency;
      }
    }
    return { volunteers, slots, busy: this.pending.size, incarnation: this.incarnation };
  }

  async webSocketMessage(ws, message) {
    const a = ws.deserializeAttachment();
    const size = typeof message === 'string' ? new TextEncoder().encode(message).length : message.byteLength;
    if (size > MAX_MESSAGE_BYTES) return this.drop(ws, a, 1009, 'messages are at most 64 KiB');
    if (typeof message !== 'string') return this.drop(ws, a, 1003, 'messages are JSON');
    let m;
    try {
      m = JSON.parse(message);
    } catch {
      return this.drop(ws, a, 1003, 'messages are JSON');
    }
    if (m === null || typeof m !== 'object') return this.drop(ws, a, 1003, 'messages are JSON');
    const held = typeof m.lease === 'string' && this.busy.get(a.node)?.has(m.lease);
    if (!held && !this.admit(a.node)) {
      return this.drop(ws, a, 1008, `more than ${this.settings.maxMessagesPerSecond} unsolicited messages a second`);
    }
    switch (m.type) {
      case 'hello':
        return this.hello(ws, a, m);
      case 'result':
        if (held) this.end(m.lease, 200, { result: m.result });
        return;
      case 'error':
        if (held) {
          this.end(m.lease, 200, {
            error: `${a.node}: ${String(m.error ?? 'failed').slice(0, 200)}`,
            ...(typeof m.error_code === 'string' ? { error_code: m.error_code.slice(0, 40) } : {}),
          });
        }
        return;
      default:
        return this.drop(ws, a, 1008, `unknown message type ${String(m.type).slice(0, 40)}`);
    }
  }

  hello(ws, a, m) {
    if (a.concurrency > 0) return this.drop(ws, a, 1008, 'said hello twice');
    const declared = Number.isInteger(m.capabilities?.concurrency) ? m.capabilities.concurrency : 1;
    const concurrency = Math.max(1, Math.min(this.settings.maxNodeConcurrency, declared));
    ws.serializeAttachment({ ...a, concurrency, ua: String(m.capabilities?.ua_class ?? 'unknown').slice(0, 40) });
    ws.send(JSON.stringify({ type: 'welcome', node: a.node, concurrency }));
  }

  /** One more unsolicited message from `node` this second: false past the limit. */
  admit(node) {
    const second = Math.floor(Date.now() / 1000);
    const count = this.unsolicited.get(node);
    if (!count || count.second !== second) {
      this.unsolicited.set(node, { second, n: 1 });
      return true;
    }
    return ++count.n <= this.settings.maxMessagesPerSecond;
  }

  drop(ws, a, code, reason) {
    ws.close(code, reason);
    this.forget(a.node, `volunteer ${a.node} was closed: ${reason}`);
  }

  forget(node, why) {
    this.unsolicited.delete(node);
    this.endLeasesOf(node, why);
  }

  webSocketClose(ws, code) {
    const a = ws.deserializeAttachment();
    this.forget(a.node, `volunteer ${a.node} left (${code})`);
    try {
      ws.close(1000, 'goodbye'); // the closing handshake's answer, where the runtime has not sent it
    } catch {}
  }

  webSocketError(ws) {
    const a = ws.deserializeAttachment();
    this.forget(a.node, `volunteer ${a.node} left (connection error)`);
  }
}

function randomHex(bytes) {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}
