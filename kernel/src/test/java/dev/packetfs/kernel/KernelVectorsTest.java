package dev.packetfs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.testing.GoldenVectors;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The Java kernel against the shared golden vectors: every case, every refused program. */
class KernelVectorsTest {

    static List<GoldenVectors.Case> cases() {
        return GoldenVectors.cases();
    }

    static List<GoldenVectors.Invalid> invalid() {
        return GoldenVectors.invalid();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void computesTheExpectedResult(GoldenVectors.Case c) {
        KernelResult result;
        if (c.object() == null) {
            result = Kernel.execute(ProgramJson.parse(c.program()));
        } else {
            ObjectNode program = c.program().deepCopy();
            program.put("data_url", "https://objects.example/vector");
            result = Kernel.execute(ProgramJson.parse(program), GoldenVectors.objectBytes(c.object()));
        }
        assertTrue(
                GoldenVectors.sameJson(c.expected(), result.toJson()),
                () -> "expected " + c.expected() + " but got " + result.toJson());
        assertEquals(result.toJson().toString(), result.toJsonText());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void refusesNamingTheField(GoldenVectors.Invalid c) {
        ProgramException e = assertThrows(ProgramException.class, () -> ProgramJson.parse(c.program()));
        assertEquals(c.field(), e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(c.field() + ": "), e.getMessage());
    }
}
