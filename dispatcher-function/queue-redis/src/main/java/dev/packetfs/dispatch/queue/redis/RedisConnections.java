package dev.packetfs.dispatch.queue.redis;

import dev.packetfs.dispatch.queue.QueueUnavailableException;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.DefaultEventLoopGroupProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Lettuce connections to one Redis deployment, standalone or cluster, behind the command
 * interfaces both share. {@code PACKETFS_REDIS_URL} forms:
 * <ul>
 *   <li>{@code redis://host:port} or {@code rediss://host:port} (TLS), with optional
 *       {@code user:password@} and {@code /db} — a standalone server (or a proxy in front of one);
 *   <li>{@code redis-cluster://host1:port1,host2:port2} or {@code rediss-cluster://...} — seed
 *       nodes of a Redis Cluster; keys then carry the {@code {packetfs}} hash tag (see {@link RedisKeys}).
 * </ul>
 * Blocking reads get connections of their own, so they never hold up the shared one.
 */
public final class RedisConnections implements AutoCloseable {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(15);
    /**
     * How long the shared connection may be down before Redis counts as unreachable: longer than
     * a reconnection takes when Redis is up (a dropped connection, a failover: milliseconds), so
     * such a blip only delays commands, which wait for it in Lettuce's buffer.
     */
    static final Duration DOWN_AFTER = Duration.ofSeconds(1);

    private final RedisClient standalone;
    private final RedisClusterClient cluster;
    private final RedisURI standaloneUri;
    private final RedisClusterAsyncCommands<String, String> commands;
    private volatile StatefulConnection<String, String> shared;
    /** When the shared connection went down (System.nanoTime(), never 0); 0 while it is up. */
    private volatile long downSince;

    private final reactor.core.Disposable activations;
    private final List<StatefulConnection<String, String>> opened = new CopyOnWriteArrayList<>();

    private RedisConnections(RedisClient standalone, RedisURI uri, RedisClusterClient cluster) {
        this.standalone = standalone;
        this.standaloneUri = uri;
        this.cluster = cluster;
        AbstractRedisClient client = standalone != null ? standalone : cluster;
        // Down: the shared connection dropped. Up again: a connection was activated (its handshake
        // done, not just its TCP connect: a host that accepts and hangs up is no Redis) and the
        // shared one is among the active.
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (connection == shared && downSince == 0) {
                    downSince = System.nanoTime() | 1;
                }
            }
        });
        this.activations = client.getResources().eventBus().get().subscribe(event -> {
            if (event instanceof ConnectionActivatedEvent && shared != null && shared.isOpen()) {
                downSince = 0;
            }
        });
        this.shared = connect();
        this.commands = standalone != null
                ? ((StatefulRedisConnection<String, String>) shared).async()
                : ((StatefulRedisClusterConnection<String, String>) shared).async();
    }

    public static RedisConnections open(String url) {
        if (url.startsWith("redis-cluster://") || url.startsWith("rediss-cluster://")) {
            boolean tls = url.startsWith("rediss-");
            String rest = url.substring(url.indexOf("://") + 3);
            String userInfo = rest.contains("@") ? rest.substring(0, rest.lastIndexOf('@') + 1) : "";
            String hosts = rest.substring(userInfo.length()).replaceAll("/.*$", "");
            List<RedisURI> seeds = new ArrayList<>();
            for (String host : hosts.split(",")) {
                seeds.add(RedisURI.create((tls ? "rediss://" : "redis://") + userInfo + host.trim()));
            }
            RedisClusterClient client = RedisClusterClient.create(resources(), seeds);
            client.setOptions(ClusterClientOptions.builder()
                    .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                    // Follow failovers and resharding without waiting for a MOVED reply.
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .build())
                    .build());
            return new RedisConnections(null, null, client);
        }
        RedisURI uri = RedisURI.create(url);
        RedisClient client = RedisClient.create(resources());
        client.setOptions(ClientOptions.builder()
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build());
        return new RedisConnections(client, uri, null);
    }

    /**
     * Netty threads for Redis I/O: {@code packetfs.redis.io-threads} (system property) or one.
     * One thread serves every connection, so a reply, the next request and its settlement are
     * handled without waking a second thread: on a virtualized host each wake-up costs tens of
     * microseconds (BENCHMARKS.md).
     */
    private static ClientResources resources() {
        int threads = Integer.getInteger("packetfs.redis.io-threads", 1);
        // The builder's ioThreadPoolSize clamps to two; a provider of our own is taken as is.
        return DefaultClientResources.builder()
                .eventLoopGroupProvider(new DefaultEventLoopGroupProvider(threads))
                .computationThreadPoolSize(2)
                .build();
    }

    public boolean isCluster() {
        return cluster != null;
    }

    public RedisKeys keys() {
        return isCluster() ? RedisKeys.cluster() : RedisKeys.standalone();
    }

    /**
     * False once the shared connection has been down, Lettuce reconnecting, for longer than
     * {@link #DOWN_AFTER}: Redis is known to be unreachable then, and a command would only wait
     * out its timeout (15 s) in the reconnect buffer. Callers that can tell their own caller "try
     * again" check this first. (A cluster's node connections are not followed: with a cluster
     * this stays true, and commands wait as before.)
     */
    public boolean connected() {
        long since = downSince;
        return since == 0 || shared.isOpen() || System.nanoTime() - since < DOWN_AFTER.toNanos();
    }

    /**
     * For the calls a client waits on (the HTTP API, /health, a producer): while Redis is known to
     * be unreachable ({@link #connected}) they fail at once, so the client hears 503 and when to
     * try again instead of waiting out the command timeout. The dispatcher's own reads and
     * settlements do not ask: they wait in Lettuce's buffer for the reconnection, so nothing taken
     * is lost.
     */
    void requireConnected() {
        if (!connected()) {
            throw new QueueUnavailableException("Redis is unreachable: the connection is down and reconnecting", null);
        }
    }

    /** The shared, pipelined connection for everything that does not block. */
    public RedisClusterAsyncCommands<String, String> commands() {
        return commands;
    }

    /**
     * A connection of its own, for a blocking read (XREADGROUP BLOCK, BLMOVE). Close it when done:
     * a blocked read stays pending on the server until its connection closes, and would take
     * entries meant for someone else.
     */
    public Blocking openBlocking() {
        StatefulConnection<String, String> connection = connect();
        // A blocking read may wait as long as it asked to; the timeout must not cut it short.
        connection.setTimeout(COMMAND_TIMEOUT.plus(Duration.ofSeconds(30)));
        RedisClusterCommands<String, String> sync = standalone != null
                ? ((StatefulRedisConnection<String, String>) connection).sync()
                : ((StatefulRedisClusterConnection<String, String>) connection).sync();
        return new Blocking(sync, connection);
    }

    /** A dedicated connection for blocking reads. */
    public record Blocking(RedisClusterCommands<String, String> commands, StatefulConnection<String, String> connection)
            implements AutoCloseable {

        /** The same connection's asynchronous commands: a blocking read that does not block a thread. */
        public RedisClusterAsyncCommands<String, String> async() {
            return connection instanceof StatefulRedisConnection<String, String> c
                    ? c.async()
                    : ((StatefulRedisClusterConnection<String, String>) connection).async();
        }

        @Override
        public void close() {
            connection.close();
        }
    }

    private StatefulConnection<String, String> connect() {
        StatefulConnection<String, String> connection =
                standalone != null ? standalone.connect(standaloneUri) : cluster.connect();
        opened.add(connection);
        return connection;
    }

    @Override
    public void close() {
        activations.dispose();
        opened.forEach(StatefulConnection::close);
        if (standalone != null) {
            standalone.shutdown();
        } else {
            cluster.shutdown();
        }
    }
}
