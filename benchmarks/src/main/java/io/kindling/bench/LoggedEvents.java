package io.kindling.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.LoggerFactory;

/**
 * What one of the server's loggers says, caught as it is logged: the logger's level is turned up, each line the
 * parser recognizes is kept (with System.nanoTime when it was logged: the appender runs on the logging thread), the
 * logger's other lines at WARN and above still reach stderr, and {@link #close} puts the logger back as it was. The
 * server's own timing lines so become figures without formatting a message or changing the server.
 *
 * @param <T> what a recognized line becomes
 */
final class LoggedEvents<T> implements AutoCloseable {
    /** Makes a recognized line into a value, or null for a line it does not recognize. */
    @FunctionalInterface
    interface Parser<T> {
        T parse(ILoggingEvent event, long loggedNanos);
    }

    private final Logger logger;
    private final Level previousLevel;
    private final boolean previousAdditive;
    private final ConcurrentLinkedQueue<T> caught = new ConcurrentLinkedQueue<>();
    private final Appender appender = new Appender();
    private final Parser<T> parser;

    LoggedEvents(Class<?> source, Level level, Parser<T> parser) {
        this.logger = (Logger) LoggerFactory.getLogger(source);
        this.previousLevel = logger.getLevel();
        this.previousAdditive = logger.isAdditive();
        this.parser = parser;
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
        // Not additive: the root logger's stderr appender would print every line the raised level lets through.
        logger.setAdditive(false);
        logger.setLevel(level);
    }

    /** What was caught since the last call, oldest first. */
    List<T> drain() {
        List<T> out = new ArrayList<>();
        for (T value = caught.poll(); value != null; value = caught.poll()) {
            out.add(value);
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
            T value = parser.parse(event, now);
            if (value != null) {
                caught.add(value);
            } else if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
                System.err.println(event.getLevel() + " " + event.getLoggerName() + " " + event.getFormattedMessage());
            }
        }
    }
}
