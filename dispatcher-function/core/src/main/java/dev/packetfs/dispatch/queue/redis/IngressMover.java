package dev.packetfs.dispatch.queue.redis;

import io.lettuce.core.LMoveArgs;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves jobs LPUSHed onto {@code packetfs:jobs:queue} into the stream. One thread sleeps in BLMOVE
 * (on a connection of its own) until a job arrives, then moves the list in bulk with move.lua, so a
 * job is always in exactly one place: the list, the moving list, or the stream. What a mover that
 * died left in the moving list is moved by the next one.
 */
final class IngressMover implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IngressMover.class);
    private static final int MOVE_BATCH = 1000;

    private final QueueScripts scripts;
    private final RedisKeys keys;
    private final RedisConnections.Blocking connection;
    private final long blockSeconds;
    private final Thread thread;
    private volatile boolean closed;

    IngressMover(RedisConnections redis, QueueScripts scripts, Duration blockTimeout) {
        this.scripts = scripts;
        this.keys = redis.keys();
        this.connection = redis.openBlocking();
        this.blockSeconds = Math.max(1, blockTimeout.toSeconds());
        this.thread = new Thread(this::run, "packetfs-queue-mover");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (!closed) {
            try {
                // Whatever an earlier mover left half-moved, and whatever is waiting now.
                while (!closed && RedisReplies.await(scripts.move(MOVE_BATCH)) == MOVE_BATCH) {
                    // keep going while the list is full
                }
                connection.commands().blmove(keys.ingress(), keys.moving(), LMoveArgs.Builder.rightLeft(), blockSeconds);
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.warn("moving jobs from {} failed, retrying: {}", keys.ingress(), e.toString());
                    pause();
                }
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        // Closing the connection ends the blocked BLMOVE on the server, too.
        connection.close();
        try {
            thread.join((blockSeconds + 2) * 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
