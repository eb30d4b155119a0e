package dev.packetfs.dispatch.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JobIdsTest {

    @Test
    void theHandWrittenCheckAgreesWithTheDocumentedRule() {
        SplittableRandom random = new SplittableRandom(9);
        String alphabet = "aZ09._:-/ é{}\n";
        for (int trial = 0; trial < 20_000; trial++) {
            int len = random.nextInt(trial % 100 == 0 ? 140 : 6);
            StringBuilder id = new StringBuilder();
            for (int i = 0; i < len; i++) {
                id.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            boolean byRule = JobIds.VALID.matcher(id).matches();
            boolean accepted;
            try {
                JobIds.check(id.toString());
                accepted = true;
            } catch (JobException e) {
                accepted = false;
            }
            assertEquals(byRule, accepted, "'" + id + "'");
        }
    }

    @Test
    void dotAndDotDotAreRefusedButDotsInsideAnIdAreFine() {
        for (String id : new String[] {".", ".."}) {
            JobException e = org.junit.jupiter.api.Assertions.assertThrows(JobException.class, () -> JobIds.check(id));
            assertEquals("job_id", e.field());
        }
        for (String id : new String[] {"...", ".a", "a..b", "v1.2"}) {
            JobIds.check(id);
        }
    }
}
