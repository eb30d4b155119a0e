package dev.packetfs.dispatch.queue.redis;

import io.lettuce.core.LMoveArgs;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves jobs LPUSHed onto {@code packetfs:jobs:queue} into the stream, within the queue's quota. One thread sleeps in BLMOVE
 * (on a connection of its own) until a job arrives, then moves the list in bulk with move.lua, so a
 * job is always in exactly one place: the list, the moving list, or the stream. What a mover that
 * died left in the moving list is moved by the next one.
 */
final class IngressMover implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IngressMover.class);
    private static final int MOVE_BATCH = 1000;
    /** How often a mover held back by the quota looks again. */
    private static final long QUOTA_RECHECK_MS = 250;

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
                List<Long> moved;
                do {
                    moved = RedisReplies.await(scripts.move(MOVE_BATCH));
                } while (!closed && moved.get(0) == MOVE_BATCH);
                if (moved.get(1) == 1L) {
                    // The queue is at its quota: the jobs wait in the list, where they are safe,
                    // until settlements (this dispatcher's or another's) make room.
                    pause(QUOTA_RECHECK_MS);
                    continue;
                }
                connection
                        .commands()
                        .blmove(keys.ingress(), keys.moving(), LMoveArgs.Builder.rightLeft(), blockSeconds);
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.warn("moving jobs from {} failed, retrying: {}", keys.ingress(), e.toString());
                    pause(500);
                }
            }
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
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
