package dev.packetfs.dispatch.queue.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A Lua script shipped with the queue, run by its SHA1 and sent in full only when the server does
 * not know it (first use, after a restart or a failover to a replica that never saw it).
 */
final class LuaScript {
    private final String name;
    private final String source;
    private final String sha;

    private LuaScript(String name, String source) {
        this.name = name;
        this.source = source;
        this.sha = sha1(source);
    }

    /**
     * Loads {@code name.lua}. A line {@code -- include: lib} is replaced by {@code lib.lua}, so
     * scripts that share rules (the fan-out ones) share one text of them.
     */
    static LuaScript load(String name) {
        StringBuilder source = new StringBuilder();
        for (String line : read(name).split("\n", -1)) {
            source.append(
                            line.startsWith(INCLUDE)
                                    ? read(line.substring(INCLUDE.length()).strip())
                                    : line)
                    .append('\n');
        }
        return new LuaScript(name, source.toString());
    }

    private static final String INCLUDE = "-- include: ";

    private static String read(String name) {
        try (InputStream in = LuaScript.class.getResourceAsStream(name + ".lua")) {
            if (in == null) {
                throw new IllegalStateException("missing script " + name + ".lua");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    <T> CompletableFuture<T> run(
            RedisClusterAsyncCommands<String, String> redis,
            ScriptOutputType type,
            List<String> keys,
            List<String> args) {
        String[] k = keys.toArray(String[]::new);
        String[] a = args.toArray(String[]::new);
        CompletableFuture<T> bySha = redis.<T>evalsha(sha, type, k, a).toCompletableFuture();
        return bySha.handle((value, error) -> {
                    Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                    if (cause instanceof RedisNoScriptException) {
                        return redis.<T>eval(source, type, k, a).toCompletableFuture();
                    }
                    return error == null
                            ? CompletableFuture.completedFuture(value)
                            : CompletableFuture.<T>failedFuture(cause);
                })
                .thenCompose(f -> f);
    }

    @Override
    public String toString() {
        return name + ".lua";
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
