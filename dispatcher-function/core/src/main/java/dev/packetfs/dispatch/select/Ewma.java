package dev.packetfs.dispatch.select;

/** An exponentially weighted moving average, safe to update from any thread. */
final class Ewma {
    private final double alpha;
    private double value;

    Ewma(double alpha, double initial) {
        this.alpha = alpha;
        this.value = initial;
    }

    synchronized void add(double sample) {
        value += alpha * (sample - value);
    }

    synchronized double value() {
        return value;
    }
}
