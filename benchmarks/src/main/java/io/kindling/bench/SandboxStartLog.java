package io.kindling.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.kindling.worker.sandbox.BubblewrapDriver;
import java.util.List;

/**
 * Where a sandbox's start-up time goes, as the driver itself says it: {@link BubblewrapDriver} logs one debug line
 * per sandbox start, "sandbox {id}: spawned pid {pid} after {total} µs (scratch {}, cgroup {}, netns and listener {},
 * limits {}, spawn {}{, pre-created slot …})". This turns that logger's debug level on and keeps each line's arguments, with the time the line was
 * logged: the appender runs on the starting thread right after the launcher was spawned, so that time is the end of
 * the driver's work and its start is that minus the total.
 *
 * <p>Only the numbers are kept (no formatting); the driver's other lines at WARN and above still reach stderr.
 */
final class SandboxStartLog implements AutoCloseable {
    private static final String SPAWNED = "sandbox {}: spawned pid {} after {} µs (scratch {}, cgroup {}, "
            + "netns and listener {}, limits {}, spawn {}{})";

    /**
     * One sandbox start, all durations in microseconds.
     *
     * @param loggedNanos System.nanoTime when the line was logged, just after the spawn
     * @param pooled whether the sandbox took a pre-created slot (then scratch, cgroup and netns are zero)
     */
    record Start(String sandboxId, long loggedNanos, long totalMicros, long scratchMicros, long cgroupMicros,
                 long netnsMicros, long spawnMicros, long limitsMicros, boolean pooled) {
        long beganNanos() {
            return loggedNanos - totalMicros * 1000;
        }
    }

    private final LoggedEvents<Start> events = new LoggedEvents<>(BubblewrapDriver.class, Level.DEBUG,
            SandboxStartLog::parse);

    /** The starts logged since the last call, oldest first. */
    List<Start> drain() {
        return events.drain();
    }

    @Override
    public void close() {
        events.close();
    }

    /** The driver's spawn line as a {@link Start}; the launch line ("launching …", the argv) is never formatted. */
    private static Start parse(ILoggingEvent event, long loggedNanos) {
        Object[] args = event.getArgumentArray();
        if (!SPAWNED.equals(event.getMessage()) || args == null || args.length != 9) {
            return null;
        }
        return new Start(String.valueOf(args[0]), loggedNanos, number(args[2]), number(args[3]), number(args[4]),
                number(args[5]), number(args[7]), number(args[6]), !String.valueOf(args[8]).isEmpty());
    }

    private static long number(Object arg) {
        return ((Number) arg).longValue();
    }
}
