package dev.packetfs.dispatch.fanout;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.kernel.ObjectVersion;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;

/**
 * How a fan-out job's window is cut: the parent program's window within the object (its
 * {@code offset} and {@code length}, cut at the object's end, as docs/kernel.md says) divided into
 * adjacent windows of {@code windowBytes}, the last one shorter.
 *
 * @param start first byte of the parent's window in the object
 * @param end one past its last byte
 * @param windows how many windows: {@code ceil((end - start) / windowBytes)}
 * @param version the version of the object every window is read from (docs/kernel.md#versions),
 *     or null when its origin told nothing that can be checked
 */
public record WindowPlan(
        String parentId,
        Op op,
        long objectBytes,
        long start,
        long end,
        long windowBytes,
        long windows,
        ObjectVersion version) {

    public WindowPlan {
        if (windowBytes < 1 || start < 0 || end < start) {
            throw new IllegalArgumentException("not a plan: " + start + ".." + end + " in windows of " + windowBytes);
        }
    }

    /** The plan for {@code parent} over an object of {@code objectBytes} bytes, of no known version. */
    public static WindowPlan of(ComputeJob parent, long objectBytes) {
        return of(parent, objectBytes, null);
    }

    /** The plan for {@code parent} over version {@code version} of an object of {@code objectBytes} bytes. */
    public static WindowPlan of(ComputeJob parent, long objectBytes, ObjectVersion version) {
        Program p = parent.program();
        long start = p.windowStart(objectBytes);
        long length = p.windowLength(objectBytes);
        long size = parent.windowBytes();
        long windows = length == 0 ? 0 : (length - 1) / size + 1;
        return new WindowPlan(parent.jobId(), p.op(), objectBytes, start, start + length, size, windows, version);
    }

    /** Bytes the parent covers. */
    public long bytes() {
        return end - start;
    }

    public long offset(long index) {
        return start + index * windowBytes;
    }

    public long length(long index) {
        return Math.min(windowBytes, end - offset(index));
    }

    /** True when a version that could not change unseen is pinned: an ETag or a date, not a size alone. */
    public boolean verified() {
        return version != null && version.validated();
    }

    /** True when cutting would give one window at most: the job runs as it is. */
    public boolean single() {
        return windows <= 1;
    }
}
