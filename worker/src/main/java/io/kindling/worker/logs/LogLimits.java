package io.kindling.worker.logs;

/**
 * How much log the worker keeps and how many files it holds open.
 *
 * @param segmentBytes a segment is closed and a new one started when the next record would take it past this size.
 *     A function's log therefore takes at most {@code segmentBytes × segmentsPerFunction} bytes on disk, plus at most
 *     one record when a single record is larger than a segment
 * @param segmentsPerFunction segments kept per function; on rotation the oldest beyond this count is deleted
 * @param maxOpenWriters functions whose current segment stays open for appending; the least recently written is
 *     closed when another one needs its file
 */
public record LogLimits(long segmentBytes, int segmentsPerFunction, int maxOpenWriters) {
    public LogLimits {
        if (segmentBytes < 1024) {
            throw new IllegalArgumentException("segmentBytes below 1 KiB: " + segmentBytes);
        }
        if (segmentsPerFunction < 1) {
            throw new IllegalArgumentException("segmentsPerFunction below 1: " + segmentsPerFunction);
        }
        if (maxOpenWriters < 1) {
            throw new IllegalArgumentException("maxOpenWriters below 1: " + maxOpenWriters);
        }
    }

    /** 5 MiB × 4 segments per function (20 MiB), 64 open writers. */
    public static LogLimits defaults() {
        return new LogLimits(5L << 20, 4, 64);
    }

    public long maxBytesPerFunction() {
        return segmentBytes * segmentsPerFunction;
    }
}
