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
 */
public record FanOutSettings(long maxWindows, int maxOutstanding, Duration probeTimeout, boolean hedge, double hedgeFactor,
        Duration hedgeMinDelay, double hedgeAfter) {

    public static FanOutSettings defaults() {
        return new FanOutSettings(200_000, 256, Duration.ofSeconds(10), true, 4.0, Duration.ofMillis(500), 0.9);
    }

    public FanOutSettings withHedging(boolean on, double factor, Duration minDelay, double after) {
        return new FanOutSettings(maxWindows, maxOutstanding, probeTimeout, on, factor, minDelay, after);
    }

    public FanOutSettings withMaxOutstanding(int max) {
        return new FanOutSettings(maxWindows, max, probeTimeout, hedge, hedgeFactor, hedgeMinDelay, hedgeAfter);
    }
}
