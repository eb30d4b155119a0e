package dev.packetfs.dispatch.fanout;

import java.time.Duration;

/**
 * How the dispatcher cuts and watches fan-out jobs ({@code packetfs.fanout.*}).
 *
 * @param maxWindows windows one parent may be cut into; more is refused, naming the smallest
 *     {@code window_bytes} that fits
 * @param maxOutstanding windows of one parent queued or running at once
 * @param probeTimeout how long learning the object's size may take
 * @param hedge whether late windows are hedged
 * @param hedgeFactor a window is late once it has run this many times the substrate's observed
 *     (moving average) latency
 * @param hedgeMinDelay and at least this long
 * @param hedgeAfter and at least this share of its parent's windows is done (0..1)
 * @param maxRestarts times a parent with {@code "on_change": "restart"} is planned again when its
 *     object changes while it runs; once more, it fails
 */
public record FanOutSettings(
        long maxWindows,
        int maxOutstanding,
        Duration probeTimeout,
        boolean hedge,
        double hedgeFactor,
        Duration hedgeMinDelay,
        double hedgeAfter,
        int maxRestarts) {

    public static FanOutSettings defaults() {
        return new FanOutSettings(200_000, 256, Duration.ofSeconds(10), true, 4.0, Duration.ofMillis(500), 0.9, 3);
    }

    public FanOutSettings withHedging(boolean on, double factor, Duration minDelay, double after) {
        return new FanOutSettings(maxWindows, maxOutstanding, probeTimeout, on, factor, minDelay, after, maxRestarts);
    }

    public FanOutSettings withMaxOutstanding(int max) {
        return new FanOutSettings(
                maxWindows, max, probeTimeout, hedge, hedgeFactor, hedgeMinDelay, hedgeAfter, maxRestarts);
    }

    public FanOutSettings withMaxRestarts(int max) {
        return new FanOutSettings(
                maxWindows, maxOutstanding, probeTimeout, hedge, hedgeFactor, hedgeMinDelay, hedgeAfter, max);
    }
}
