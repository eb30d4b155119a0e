package dev.packetfs.infra;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Typed reads of CDK context values ({@code packetfs:*}). A value given with {@code cdk -c key=value}
 * arrives as a string, one from {@code cdk.json} or {@code CDK_CONTEXT_JSON} as a JSON number or
 * boolean; both are accepted. A value that cannot be used stops the synth with a message naming the
 * key, rather than deploying a default the operator did not ask for.
 */
public final class ContextValues {
    private final Function<String, Object> lookup;

    public ContextValues(Function<String, Object> lookup) {
        this.lookup = lookup;
    }

    /** The value of {@code key}, or nothing when it is unset or blank. */
    public Optional<String> text(String key) {
        Object value = lookup.apply(key);
        if (value == null) {
            return Optional.empty();
        }
        String text = String.valueOf(value).trim();
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    public int integer(String key, int defaultValue, int min, int max) {
        return text(key)
                .map(t -> {
                    int value;
                    try {
                        // JSON numbers may come back as "1024.0" through jsii.
                        double d = Double.parseDouble(t);
                        if (d != Math.rint(d)) {
                            throw new NumberFormatException(t);
                        }
                        value = (int) d;
                    } catch (NumberFormatException e) {
                        throw invalid(key, t, "an integer from " + min + " to " + max);
                    }
                    if (value < min || value > max) {
                        throw invalid(key, t, "an integer from " + min + " to " + max);
                    }
                    return value;
                })
                .orElse(defaultValue);
    }

    public boolean flag(String key, boolean defaultValue) {
        return text(key)
                .map(t -> switch (t.toLowerCase(Locale.ROOT)) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw invalid(key, t, "true or false");
                })
                .orElse(defaultValue);
    }

    /** One of the constants of {@code type}, by name, case-insensitively. */
    public <E extends Enum<E>> E choice(String key, Class<E> type, E defaultValue) {
        return text(key)
                .map(t -> {
                    for (E constant : type.getEnumConstants()) {
                        if (constant.name().equalsIgnoreCase(t)) {
                            return constant;
                        }
                    }
                    StringBuilder names = new StringBuilder();
                    for (E constant : type.getEnumConstants()) {
                        names.append(names.length() == 0 ? "" : " or ").append(constant.name());
                    }
                    throw invalid(key, t, names.toString());
                })
                .orElse(defaultValue);
    }

    static IllegalArgumentException invalid(String key, String value, String expected) {
        return new IllegalArgumentException("context " + key + " must be " + expected + ", not '" + value + "'");
    }
}
