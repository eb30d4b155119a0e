package dev.packetfs.dispatch.substrate;

/** A substrate's answer to a health probe. */
public record HealthReport(boolean healthy, String detail) {

    public static HealthReport up() {
        return new HealthReport(true, "ok");
    }

    public static HealthReport down(String why) {
        return new HealthReport(false, why);
    }
}
