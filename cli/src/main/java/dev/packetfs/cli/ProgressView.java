package dev.packetfs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * What {@code pfs run} and {@code pfs watch} show while a job runs: on a terminal, a progress bar
 * (me.tongfei:progressbar) with windows done of total, MB/s, USD so far and an ETA; elsewhere
 * nothing, so that standard output holds only the result.
 */
interface ProgressView extends AutoCloseable {

    /** A job's state as {@code GET /jobs/{id}} gives it. */
    void update(JsonNode status);

    @Override
    void close();

    static ProgressView none() {
        return new ProgressView() {
            @Override
            public void update(JsonNode status) {}

            @Override
            public void close() {}
        };
    }

    static ProgressView bar(String jobId) {
        return new Bar(jobId);
    }

    /** The bar: windows as its counter; bytes per second and cost in its message. */
    final class Bar implements ProgressView {
        private final String jobId;
        private ProgressBar bar;
        private long startNanos;
        private long startBytes = -1;

        Bar(String jobId) {
            this.jobId = jobId;
        }

        @Override
        public void update(JsonNode status) {
            JsonNode f = status.path("fanout");
            if (bar == null) {
                bar = new ProgressBarBuilder()
                        .setTaskName(jobId.length() <= 16 ? jobId : jobId.substring(0, 13) + "...")
                        .setInitialMax(
                                f.isMissingNode() ? -1 : f.path("windows").asLong())
                        .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                        .setUnit(" windows", 1)
                        .setUpdateIntervalMillis(200)
                        .setMaxRenderedLength(120)
                        .build();
                startNanos = System.nanoTime();
            }
            if (f.isMissingNode()) {
                bar.setExtraMessage(status.path("state").asText());
                return;
            }
            bar.maxHint(f.path("windows").asLong());
            bar.stepTo(f.path("windows_done").asLong());
            long bytes = f.path("bytes_done").asLong();
            if (startBytes < 0) {
                startBytes = bytes;
                startNanos = System.nanoTime();
            }
            double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
            double mbps = (bytes - startBytes) / 1e6 / seconds;
            bar.setExtraMessage(
                    String.format(Locale.ROOT, "%.1f MB/s  $%s", mbps, JobFollower.usd(f.path("cost_usd"))));
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }

        Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - startNanos);
        }
    }
}
