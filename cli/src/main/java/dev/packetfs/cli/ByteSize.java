package dev.packetfs.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A size as people write it: {@code 1048576}, {@code 1MiB} or {@code 1M} (2^20), {@code 64KiB}
 * or {@code 64K}, {@code 1GiB} or {@code 1G}; {@code kB}, {@code MB}, {@code GB} are powers of ten;
 * a sum such as {@code 3MiB+7} adds its parts.
 */
final class ByteSize implements ITypeConverter<Long> {
    private static final Pattern PART = Pattern.compile("\\s*([0-9]+)\\s*([a-zA-Z]*)\\s*");

    @Override
    public Long convert(String text) {
        return parse(text);
    }

    static long parse(String text) {
        long total = 0;
        for (String part : text.split("\\+", -1)) {
            Matcher m = PART.matcher(part);
            if (!m.matches()) {
                throw new TypeConversionException("'" + text + "' is not a size (say 1048576, 1MiB, 64KiB or 3MiB+7)");
            }
            long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "", "b" -> 1;
                case "k", "ki", "kib" -> 1L << 10;
                case "m", "mi", "mib" -> 1L << 20;
                case "g", "gi", "gib" -> 1L << 30;
                case "kb" -> 1_000;
                case "mb" -> 1_000_000;
                case "gb" -> 1_000_000_000;
                default ->
                    throw new TypeConversionException(
                            "'" + m.group(2) + "' is not a unit of size (B, KiB, MiB, GiB, kB, MB, GB)");
            };
            try {
                total = Math.addExact(total, Math.multiplyExact(Long.parseLong(m.group(1)), unit));
            } catch (ArithmeticException | NumberFormatException e) {
                throw new TypeConversionException("'" + text + "' is too large");
            }
        }
        if (total < 1) {
            throw new TypeConversionException("a size is at least 1 byte, got '" + text + "'");
        }
        return total;
    }
}
