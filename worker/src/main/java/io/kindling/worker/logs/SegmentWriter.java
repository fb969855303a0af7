package io.kindling.worker.logs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The open end of one function's log: its newest segment, appended to. Used only under the store's write lock. */
final class SegmentWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SegmentWriter.class);

    private final Path directory;
    private final long segment;
    private final FileChannel channel;
    private long size;

    private SegmentWriter(Path directory, long segment, FileChannel channel, long size) {
        this.directory = directory;
        this.segment = segment;
        this.channel = channel;
        this.size = size;
    }

    /**
     * Opens the newest segment of {@code directory} (creating the directory and a first segment if needed). A record
     * a crash tore at its end is cut off first, so the next record starts on a line of its own.
     */
    static SegmentWriter openNewest(Path directory) throws IOException {
        Files.createDirectories(directory);
        long[] segments = Segments.list(directory);
        long newest = segments.length == 0 ? 1 : segments[segments.length - 1];
        FileChannel channel = FileChannel.open(Segments.path(directory, newest),
                StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long whole = Segments.wholeRecordsLength(channel);
            if (whole < channel.size()) {
                channel.truncate(whole);
            }
            channel.position(whole);
            return new SegmentWriter(directory, newest, channel, whole);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Closes this segment and starts the next; deletes the oldest so at most {@code keep} segments remain. A failed
     * deletion is only logged: the next rotation tries again, and the log stays readable meanwhile.
     */
    SegmentWriter rotate(int keep) throws IOException {
        close();
        long next = segment + 1;
        FileChannel channel = FileChannel.open(Segments.path(directory, next),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        try {
            long[] segments = Segments.list(directory);
            for (int i = 0; i < segments.length - keep; i++) {
                Files.deleteIfExists(Segments.path(directory, segments[i]));
            }
        } catch (IOException e) {
            log.warn("deleting old log segments in {} failed", directory, e);
        }
        return new SegmentWriter(directory, next, channel, 0);
    }

    long size() {
        return size;
    }

    /**
     * Writes whole records. If the write fails part way, the caller must close this writer: reopening cuts the torn
     * record off, where appending after it would fuse it with the next one.
     */
    void write(byte[] records, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(records, 0, length);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        size += length;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
