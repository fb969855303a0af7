package io.kindling.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.kindling.worker.sandbox.BubblewrapDriver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.LoggerFactory;

/**
 * Where a sandbox's start-up time goes, as the driver itself says it: {@link BubblewrapDriver} logs one debug line
 * per sandbox start, "sandbox {id}: spawned pid {pid} after {total} µs (scratch {}, cgroup {}, netns and listener {},
 * spawn {})". This turns that logger's debug level on and keeps each line's arguments, with the time the line was
 * logged: the appender runs on the starting thread right after the launcher was spawned, so that time is the end of
 * the driver's work and its start is that minus the total.
 *
 * <p>Only the numbers are kept (no formatting); the driver's other lines at WARN and above still reach stderr.
 */
final class SandboxStartLog implements AutoCloseable {
    private static final String SPAWNED = "sandbox {}: spawned pid {} after {} µs (scratch {}, cgroup {}, netns and listener {}, spawn {})";

    /**
     * One sandbox start, all durations in microseconds.
     *
     * @param loggedNanos System.nanoTime when the line was logged, just after the spawn
     */
    record Start(String sandboxId, long loggedNanos, long totalMicros, long scratchMicros, long cgroupMicros,
                 long netnsMicros, long spawnMicros) {
        long beganNanos() {
            return loggedNanos - totalMicros * 1000;
        }
    }

    private final Logger logger = (Logger) LoggerFactory.getLogger(BubblewrapDriver.class);
    private final Level previousLevel = logger.getLevel();
    private final boolean previousAdditive = logger.isAdditive();
    private final ConcurrentLinkedQueue<Start> starts = new ConcurrentLinkedQueue<>();
    private final Appender appender = new Appender();

    /** Starts collecting. The driver's launch line ("launching …", the whole argv) is formatted only at debug. */
    SandboxStartLog() {
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
        // Not additive: the root logger's stderr appender would print every debug line.
        logger.setAdditive(false);
        logger.setLevel(Level.DEBUG);
    }

    /** The starts logged since the last call, oldest first. */
    List<Start> drain() {
        List<Start> out = new ArrayList<>();
        for (Start s = starts.poll(); s != null; s = starts.poll()) {
            out.add(s);
        }
        return out;
    }

    @Override
    public void close() {
        logger.setLevel(previousLevel);
        logger.setAdditive(previousAdditive);
        logger.detachAppender(appender);
        appender.stop();
    }

    private final class Appender extends AppenderBase<ILoggingEvent> {
        @Override
        protected void append(ILoggingEvent event) {
            long now = System.nanoTime();
            Object[] args = event.getArgumentArray();
            if (SPAWNED.equals(event.getMessage()) && args != null && args.length == 7) {
                starts.add(new Start(String.valueOf(args[0]), now, number(args[2]), number(args[3]), number(args[4]),
                        number(args[5]), number(args[6])));
            } else if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
                System.err.println(event.getLevel() + " " + event.getLoggerName() + " " + event.getFormattedMessage());
            }
        }

        private static long number(Object arg) {
            return ((Number) arg).longValue();
        }
    }
}
