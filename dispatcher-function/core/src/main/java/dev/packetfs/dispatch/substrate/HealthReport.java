package dev.packetfs.dispatch.substrate;

/**
 * A substrate's answer to a health probe.
 *
 * @param idle true when nothing is wrong but nothing is connected to take work (no volunteer
 *     browser is open): not healthy, since it can run nothing now, but not down either
 */
public record HealthReport(boolean healthy, String detail, boolean idle) {

    public HealthReport(boolean healthy, String detail) {
        this(healthy, detail, false);
    }

    public static HealthReport up() {
        return new HealthReport(true, "ok");
    }

    public static HealthReport down(String why) {
        return new HealthReport(false, why);
    }

    /** Nothing connected that could take work, and nothing wrong. */
    public static HealthReport idle(String why) {
        return new HealthReport(false, why, true);
    }

    /** {@code up}, {@code down} or {@code idle}, as the API and the dashboard show it. */
    public String status() {
        return healthy ? "up" : idle ? "idle" : "down";
    }
}
