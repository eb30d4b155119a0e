// Measures how late a thread wakes up on this machine: a loop that sleeps 1 ms (or spins) and
// reports every gap longer than 3 ms. Platform noise, independent of PacketFS.
//
//   java scripts/lib/Hiccup.java SECONDS [spin]
public class Hiccup {
    public static void main(String[] args) throws InterruptedException {
        long seconds = Long.parseLong(args[0]);
        boolean spin = args.length > 1 && args[1].equals("spin");
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long last = start;
        int gaps = 0;
        double worst = 0;
        StringBuilder list = new StringBuilder();
        while (last < end) {
            if (!spin) {
                Thread.sleep(1);
            }
            long now = System.nanoTime();
            double lateMs = (now - last - (spin ? 0 : 1_000_000)) / 1e6;
            if (lateMs > 3) {
                gaps++;
                worst = Math.max(worst, lateMs);
                if (gaps <= 20) {
                    list.append(String.format(" %.2fs:+%.1fms", (now - start) / 1e9, lateMs));
                }
            }
            last = now;
        }
        System.out.printf("%s, %d s: %d wake-ups more than 3 ms late (worst %.1f ms)%s%n",
                spin ? "spinning" : "sleeping 1 ms", seconds, gaps, worst, list);
        System.out.printf("{\"mode\":\"%s\",\"seconds\":%d,\"late_over_3ms\":%d,\"worst_ms\":%.1f}%n",
                spin ? "spin" : "sleep", seconds, gaps, worst);
    }
}
