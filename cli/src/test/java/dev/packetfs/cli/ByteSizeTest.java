package dev.packetfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class ByteSizeTest {

    @Test
    void sizesAsPeopleWriteThem() {
        assertEquals(1048576, ByteSize.parse("1048576"));
        assertEquals(1 << 20, ByteSize.parse("1MiB"));
        assertEquals(1 << 20, ByteSize.parse("1M"));
        assertEquals(64 << 10, ByteSize.parse("64KiB"));
        assertEquals(1L << 30, ByteSize.parse("1gib"));
        assertEquals(1_000_000, ByteSize.parse("1MB"));
        assertEquals(3 * (1 << 20) + 7, ByteSize.parse("3MiB+7"));
        assertEquals((1 << 20) + 1, ByteSize.parse("1 MiB + 1"));
    }

    @Test
    void nonsenseIsRefusedWithWhatWouldDo() {
        assertEquals(
                "'XB' is not a unit of size (B, KiB, MiB, GiB, kB, MB, GB)",
                assertThrows(TypeConversionException.class, () -> ByteSize.parse("1XB"))
                        .getMessage());
        assertThrows(TypeConversionException.class, () -> ByteSize.parse("0"));
        assertThrows(TypeConversionException.class, () -> ByteSize.parse("-1"));
        assertThrows(TypeConversionException.class, () -> ByteSize.parse("1MiB+"));
        assertThrows(TypeConversionException.class, () -> ByteSize.parse("99999999999GiB"));
    }
}
