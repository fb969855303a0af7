package io.kindling.chunks.image;

import java.time.Duration;
import java.util.List;

/** A host tool could not be run to completion; a tool that ran and failed is a {@link HostCommand.Result} instead. */
public abstract sealed class HostCommandException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> command;

    private HostCommandException(List<String> command, String message, Throwable cause) {
        super(String.join(" ", command) + ": " + message, cause);
        this.command = List.copyOf(command);
    }

    public List<String> command() {
        return command;
    }

    /** The tool is not installed or cannot be executed. */
    public static final class NotRunnable extends HostCommandException {
        private static final long serialVersionUID = 1L;

        NotRunnable(List<String> command, Throwable cause) {
            super(command, "cannot be started (not installed?): " + cause.getMessage(), cause);
        }
    }

    /** The tool did not finish within its deadline and was killed. */
    public static final class TimedOut extends HostCommandException {
        private static final long serialVersionUID = 1L;

        TimedOut(List<String> command, Duration timeout, String outputTail) {
            super(command, "did not finish within " + timeout + " and was killed"
                    + (outputTail.isBlank() ? "" : "; it printed: " + outputTail.strip()), null);
        }
    }

    /** The waiting thread was interrupted; the tool was killed. */
    public static final class Interrupted extends HostCommandException {
        private static final long serialVersionUID = 1L;

        Interrupted(List<String> command, InterruptedException cause) {
            super(command, "interrupted while waiting", cause);
        }
    }
}
