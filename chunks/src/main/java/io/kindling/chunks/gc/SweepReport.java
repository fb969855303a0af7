package io.kindling.chunks.gc;

/** What one sweep of the origin did: chunks deleted and the bytes they freed, chunks kept and their bytes. */
public record SweepReport(long chunksDeleted, long bytesFreed, long chunksKept, long bytesKept) {
    public static final SweepReport NONE = new SweepReport(0, 0, 0, 0);

    SweepReport plusDeleted(long size) {
        return new SweepReport(chunksDeleted + 1, bytesFreed + size, chunksKept, bytesKept);
    }

    SweepReport plusKept(long size) {
        return new SweepReport(chunksDeleted, bytesFreed, chunksKept + 1, bytesKept + size);
    }
}
