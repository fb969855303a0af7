package io.kindling.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.kindling.worker.images.ImageMounts;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.LoggerFactory;

/**
 * When the worker finished mounting an image, as it says itself: {@link ImageMounts} logs "mounted {}" at INFO right
 * after {@code mount -t erofs} succeeded (after the manifest was read, the parts exposed through FUSE and both loop
 * devices attached). This turns that logger's INFO on and keeps the time of each such line (the appender runs on the
 * mounting thread); the logger's other lines at WARN and above still reach stderr. Like {@link SandboxStartLog}.
 */
final class ImageMountLog implements AutoCloseable {
    private static final String MOUNTED = "mounted {}";

    private final Logger logger = (Logger) LoggerFactory.getLogger(ImageMounts.class);
    private final Level previousLevel = logger.getLevel();
    private final boolean previousAdditive = logger.isAdditive();
    private final ConcurrentLinkedQueue<Long> mounted = new ConcurrentLinkedQueue<>();
    private final Appender appender = new Appender();

    ImageMountLog() {
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
        logger.setAdditive(false);
        logger.setLevel(Level.INFO);
    }

    /** System.nanoTime of each mount finished since the last call, oldest first. */
    List<Long> drain() {
        List<Long> out = new ArrayList<>();
        for (Long t = mounted.poll(); t != null; t = mounted.poll()) {
            out.add(t);
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
            if (MOUNTED.equals(event.getMessage())) {
                mounted.add(now);
            } else if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
                System.err.println(event.getLevel() + " " + event.getLoggerName() + " " + event.getFormattedMessage());
            }
        }
    }
}
