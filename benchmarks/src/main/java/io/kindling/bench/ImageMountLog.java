package io.kindling.bench;

import ch.qos.logback.classic.Level;
import io.kindling.worker.images.ImageMounts;
import java.util.List;

/**
 * When the worker finished mounting an image, as it says itself: {@link ImageMounts} logs "mounted {}" at INFO right
 * after {@code mount -t erofs} succeeded (after the manifest was read, the parts exposed through FUSE and both loop
 * devices attached). This turns that logger's INFO on and keeps the time of each such line (the appender runs on the
 * mounting thread; see {@link LoggedEvents}); the logger's other lines at WARN and above still reach stderr.
 */
final class ImageMountLog implements AutoCloseable {
    private static final String MOUNTED = "mounted {}";

    private final LoggedEvents<Long> events = new LoggedEvents<>(ImageMounts.class, Level.INFO,
            (event, loggedNanos) -> MOUNTED.equals(event.getMessage()) ? loggedNanos : null);

    /** System.nanoTime of each mount finished since the last call, oldest first. */
    List<Long> drain() {
        return events.drain();
    }

    @Override
    public void close() {
        events.close();
    }
}
