package dev.packetfs.dispatch.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The fan-out table is what the rules generate now: a rule changed in {@code FanOutRules} changes
 * the table, and every backend is then held to it. With {@code -Dpacketfs.fanout-cases.write=true}
 * it writes the table instead (into this module's resources).
 */
class FanOutCasesTest {

    @Test
    void theTableIsWhatTheRulesGenerate() throws IOException {
        String generated = FanOutCases.text(FanOutCases.generate());
        if (Boolean.getBoolean("packetfs.fanout-cases.write")) {
            Files.writeString(Path.of("src/main/resources").resolve(FanOutCases.RESOURCE), generated);
            return;
        }
        String committed;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(FanOutCases.RESOURCE)) {
            committed = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(
                generated,
                committed,
                FanOutCases.RESOURCE + " is not what FanOutRules generates: write it again"
                        + " (mvn -pl dispatcher-function/contracts test -Dtest=FanOutCasesTest -Dpacketfs.fanout-cases.write=true)"
                        + " and make the Lua scripts agree");
    }

    @Test
    void theGeneratorIsDeterministic() {
        assertEquals(FanOutCases.text(FanOutCases.generate()), FanOutCases.text(FanOutCases.generate()));
    }
}
