package dev.packetfs.infra.worker;

import dev.packetfs.infra.ContextValues;
import dev.packetfs.infra.lambda.LogRetention;
import java.util.OptionalInt;

/**
 * The worker function's sizing, from CDK context.
 *
 * @param memoryMb            {@code packetfs:workerMemoryMb}, default 1024; Lambda gives CPU in
 *                            proportion (a full vCPU at 1769 MB)
 * @param reservedConcurrency {@code packetfs:workerReservedConcurrency}, default 32; {@code none}
 *                            reserves nothing (new accounts whose concurrency quota is 10 cannot
 *                            reserve any)
 * @param logRetentionDays    {@code packetfs:logRetentionDays}, default 14
 */
public record WorkerSettings(int memoryMb, OptionalInt reservedConcurrency, int logRetentionDays) {
    public static final String MEMORY_KEY = "packetfs:workerMemoryMb";
    public static final String RESERVED_CONCURRENCY_KEY = "packetfs:workerReservedConcurrency";

    public static WorkerSettings from(ContextValues context) {
        int memory = context.integer(MEMORY_KEY, 1024, 128, 10240);
        OptionalInt reserved = context.text(RESERVED_CONCURRENCY_KEY)
                        .filter(t -> t.equalsIgnoreCase("none"))
                        .isPresent()
                ? OptionalInt.empty()
                : OptionalInt.of(context.integer(RESERVED_CONCURRENCY_KEY, 32, 1, 100_000));
        return new WorkerSettings(memory, reserved, LogRetention.days(context));
    }
}
