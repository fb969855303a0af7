package io.kindling.worker.sandbox;

import java.util.OptionalInt;

/**
 * How a sandbox ended.
 *
 * @param exitCode the status of the sandbox's outer process as the JDK reports it: the function's
 *     exit code, or 128 + N when it died of signal N (bwrap passes a signal death on that way, and
 *     the JDK encodes its own child's the same way). A function that calls exit(137) itself looks
 *     the same as one killed by SIGKILL; the convention is shared with every shell.
 * @param signal the signal number when {@code exitCode} is above 128
 * @param oomKilled the memory cgroup killed at least one process of the sandbox for exceeding its
 *     limit (not necessarily the function's main process: the kernel picks the largest)
 */
public record ExitStatus(int exitCode, OptionalInt signal, boolean oomKilled) {
    private static final int SIGNAL_BASE = 128;

    public ExitStatus {
        if (exitCode < 0 || exitCode > 255) {
            throw new IllegalArgumentException("exit code out of range: " + exitCode);
        }
    }

    /** Decodes the JDK's exit value; see {@link #exitCode()}. */
    public static ExitStatus of(int exitValue, boolean oomKilled) {
        int code = exitValue & 0xff;
        OptionalInt signal = code > SIGNAL_BASE ? OptionalInt.of(code - SIGNAL_BASE) : OptionalInt.empty();
        return new ExitStatus(code, signal, oomKilled);
    }

    public boolean killedBySignal() {
        return signal.isPresent();
    }
}
