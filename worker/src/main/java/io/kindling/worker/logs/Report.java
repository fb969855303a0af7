package io.kindling.worker.logs;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What the REPORT line of one invocation says.
 *
 * @param duration from the invocation's delivery to the runtime's answer (or to the timeout)
 * @param memorySizeMb the configured memory (Lambda's "MB" are MiB)
 * @param maxMemoryUsedMb the environment's peak memory so far, in MiB (see {@link #mebibytes})
 * @param initDuration the init phase's duration, only on the first invocation of a cold start
 * @param status how the invocation ended
 */
public record Report(Duration duration, int memorySizeMb, int maxMemoryUsedMb, Optional<Duration> initDuration,
                     Status status) {
    public Report {
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(initDuration, "initDuration");
        Objects.requireNonNull(status, "status");
        if (duration.isNegative() || initDuration.map(Duration::isNegative).orElse(false)) {
            throw new IllegalArgumentException("negative duration");
        }
        if (memorySizeMb < 0 || maxMemoryUsedMb < 0) {
            throw new IllegalArgumentException("negative memory");
        }
    }

    /** A warm, successful invocation. */
    public static Report of(Duration duration, int memorySizeMb, int maxMemoryUsedMb) {
        return new Report(duration, memorySizeMb, maxMemoryUsedMb, Optional.empty(), Status.success());
    }

    public Report withInitDuration(Duration init) {
        return new Report(duration, memorySizeMb, maxMemoryUsedMb, Optional.of(init), status);
    }

    public Report withStatus(Status newStatus) {
        return new Report(duration, memorySizeMb, maxMemoryUsedMb, initDuration, newStatus);
    }

    /**
     * Lambda bills the init phase too (every runtime since August 2025; custom runtimes such as {@code provided}
     * always): Duration plus Init Duration, rounded up to the millisecond.
     */
    public long billedMillis() {
        long nanos = duration.toNanos() + initDuration.map(Duration::toNanos).orElse(0L);
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }

    /** A cgroup's byte count as the MiB the REPORT line shows, rounded up. */
    public static int mebibytes(long bytes) {
        return (int) Math.min(Integer.MAX_VALUE, (bytes + (1 << 20) - 1) >> 20);
    }

    /** How an invocation ended, as the REPORT line's {@code Status} field says it (absent on success). */
    public sealed interface Status {
        record Success() implements Status {}

        /** {@code Status: timeout}. */
        record Timeout() implements Status {}

        /** {@code Status: error\tError Type: <errorType>}, e.g. {@code Runtime.ExitError}, {@code Runtime.OutOfMemory}. */
        record Error(String errorType) implements Status {
            public Error {
                Objects.requireNonNull(errorType, "errorType");
            }
        }

        static Status success() {
            return new Success();
        }

        static Status timeout() {
            return new Timeout();
        }

        static Status error(String errorType) {
            return new Error(errorType);
        }
    }
}
