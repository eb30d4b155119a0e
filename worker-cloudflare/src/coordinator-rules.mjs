// The volunteer coordinator's rules that need no runtime (coordinator.mjs has the rest): its
// settings, which page origins may join, and which shard an address or a node belongs to.

/** The coordinator's settings from the Worker's vars (wrangler.toml). */
export function coordinatorSettings(env) {
  return {
    shards: whole(env.PACKETFS_BROWSER_SHARDS, 8, 1, 1024),
    maxNodeConcurrency: whole(env.PACKETFS_BROWSER_MAX_NODE_CONCURRENCY, 4, 1, 64),
    maxMessagesPerSecond: whole(env.PACKETFS_BROWSER_MAX_MESSAGES_PER_SECOND, 200, 1, 100_000),
    maxConnectionsPerAddress: whole(env.PACKETFS_BROWSER_MAX_CONNECTIONS_PER_ADDRESS, 64, 1, 100_000),
    maxConnectionsPerShard: whole(env.PACKETFS_BROWSER_MAX_CONNECTIONS_PER_SHARD, 10_000, 1, 1_000_000),
    maxDeadlineMs: whole(env.PACKETFS_BROWSER_MAX_DURATION_MS, 60_000, 1, 600_000),
    allowedOrigins: (env.PACKETFS_BROWSER_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim().toLowerCase())
      .filter((o) => o),
  };
}

function whole(value, fallback, min, max) {
  const n = Number(value);
  return Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}

/** A page served from this host, an origin on the list (or `*` there), as the dispatcher's /browser allows. */
export function originAllowed(origin, host, allowed) {
  let parsed;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  return parsed.host === host || allowed.includes('*') || allowed.includes(origin.toLowerCase());
}

/** FNV-1a (32 bits) of the address, over the shards: one address always meets in one object. */
export function shardOf(address, shards) {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(address)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}

/** A node id is `<shard>.<random>`: the shard that holds it. */
export function shardOfNode(node, shards) {
  const m = /^(\d{1,4})\.[0-9a-f]{16}$/.exec(node);
  return m && Number(m[1]) < shards ? Number(m[1]) : null;
}
