package dev.packetfs.cli;

import dev.packetfs.kernel.Fnv64;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramException;
import java.nio.file.Path;
import java.util.OptionalLong;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The options that describe a program, shared by {@code exec}, {@code submit} and {@code run}. */
final class ProgramOptions {

    @Option(names = "--op", required = true, paramLabel = "OP", description = "counteq, crc32c, fnv64, xor or add")
    String op;

    @Option(names = "--imm", paramLabel = "N", description = "immediate byte 0..255 (default 0)")
    int imm;

    @Option(names = "--offset", paramLabel = "N", description = "first byte of the window (default 0)")
    long offset;

    @Option(names = "--length", paramLabel = "N", description = "bytes in the window (default: to the end)")
    Long length;

    @Option(names = "--fnv-state", paramLabel = "HEX", description = "fnv64 only: 16 hex digits to continue from")
    String fnvState;

    @ArgGroup(multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--file", paramLabel = "PATH", description = "the object is this file")
        Path file;

        @Option(
                names = "--url",
                paramLabel = "URL",
                description = "the object is at this http(s) URL (read with a Range request)")
        String url;

        @Option(names = "--data-base64", paramLabel = "B64", description = "the object inline, standard base64")
        String dataBase64;
    }

    Op operation() {
        return Op.fromWireName(op);
    }

    OptionalLong state() {
        if (fnvState == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Fnv64.parseHex(fnvState));
        } catch (IllegalArgumentException e) {
            throw new ProgramException("fnv_state", "must be 16 hexadecimal digits, got '" + fnvState + "'");
        }
    }

    long windowLength() {
        return length == null ? Program.TO_END : length;
    }

    /** The program over {@code data} (or the URL), with these options' window; validated. */
    Program program(byte[] data) {
        return new Program(operation(), imm, data == null ? source.url : null, data, offset, windowLength(), state());
    }
}
