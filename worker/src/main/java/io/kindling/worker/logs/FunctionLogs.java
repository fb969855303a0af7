package io.kindling.worker.logs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's log store: every function's log events, as CloudWatch Logs keeps the log group
 * {@code /aws/lambda/<function>}, on local disk and bounded.
 *
 * <p>Layout: {@code <root>/<function name>/<20-digit segment number>.log}, append-only segments of one JSON record per
 * line (see {@link RecordCodec}). Only the newest segment of a function is written; when the next record would take
 * it past {@link LogLimits#segmentBytes()} a new one is started and the oldest beyond
 * {@link LogLimits#segmentsPerFunction()} is deleted. One store owns its root: two stores on one directory would
 * interleave their writes.
 *
 * <p>Threads: every method may be called from any thread. Appends of all functions go through one lock, so the lines
 * of a function's many environments interleave as whole records; each append is one {@code write(2)} per segment
 * touched, made by the caller's thread (an environment's output pump, its event thread). Reads take no lock: they
 * open the segments themselves and only ever consume whole lines, so a record being written is not seen until
 * complete.
 *
 * <p>Durability: nothing is fsynced. Logs are not transactional in Lambda either; what a crash of the process loses
 * is what had not been appended yet, and a crash of the machine at worst tears the last record, which readers skip
 * and the next writer cuts off.
 */
public final class FunctionLogs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FunctionLogs.class);

    /** The most events one read returns, as CloudWatch's GetLogEvents. */
    public static final int MAX_PAGE_EVENTS = 10_000;
    /** A read stops once its events reach this many bytes (at least one event is always returned). */
    public static final int MAX_PAGE_BYTES = 1 << 20;

    private final Path root;
    private final LogLimits limits;
    private final Clock clock;
    private final AppendSignals signals = new AppendSignals();

    private final ReentrantLock writeLock = new ReentrantLock();
    /** The open segment of recently written functions, least recently used first. Guarded by {@link #writeLock}. */
    private final LinkedHashMap<String, SegmentWriter> writers = new LinkedHashMap<>(16, 0.75f, true);
    /** Guarded by {@link #writeLock}. */
    private boolean closed;

    private FunctionLogs(Path root, LogLimits limits, Clock clock) {
        this.root = root;
        this.limits = limits;
        this.clock = clock;
    }

    /** A store under {@code root} (the server passes {@code <dataDir>/logs}) with {@link LogLimits#defaults()}. */
    public static FunctionLogs open(Path root) throws IOException {
        return open(root, LogLimits.defaults(), Clock.systemUTC());
    }

    /** @param clock stamps captured lines */
    public static FunctionLogs open(Path root, LogLimits limits, Clock clock) throws IOException {
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(clock, "clock");
        Files.createDirectories(root);
        return new FunctionLogs(root.toAbsolutePath(), limits, clock);
    }

    public LogLimits limits() {
        return limits;
    }

    /**
     * The capture of one execution environment's log: hand {@link EnvironmentLog#output()} to the sandbox and frame
     * invocations with {@link EnvironmentLog#start} and {@link EnvironmentLog#end}.
     *
     * @param version {@code $LATEST} or the version number, for the START line
     * @param streamName the environment's log stream ({@code AWS_LAMBDA_LOG_STREAM_NAME})
     */
    public EnvironmentLog environment(String functionName, String version, String streamName) {
        FunctionNames.requireValid(functionName);
        Objects.requireNonNull(version, "version");
        LogEvent.requireValidStream(streamName);
        return new EnvironmentLog(this, functionName, version, streamName, clock);
    }

    /**
     * Appends events to the function's log, in order and contiguously (no other append comes between them), then
     * wakes its {@link #awaitAppend waiting readers}.
     *
     * @throws IllegalArgumentException if a message is beyond {@link EnvironmentLog#MAX_EVENT_BYTES} bytes of UTF-8
     *     (checked on the encoded record, before anything is written)
     */
    public void append(String functionName, List<LogEvent> events) throws IOException {
        FunctionNames.requireValid(functionName);
        if (events.isEmpty()) {
            return;
        }
        // Encoded outside the lock: the lock covers only the file writes.
        List<byte[]> records = new ArrayList<>(events.size());
        for (LogEvent event : events) {
            byte[] record = RecordCodec.encode(event);
            if (record.length > RecordCodec.MAX_RECORD_BYTES) {
                throw new IllegalArgumentException("log event of " + record.length + " bytes encoded; messages are cut at "
                        + EnvironmentLog.MAX_EVENT_BYTES + " bytes");
            }
            records.add(record);
        }
        writeLock.lock();
        try {
            if (closed) {
                throw new IOException("the log store is closed");
            }
            SegmentWriter writer = writer(functionName);
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            long batchStartSize = writer.size();
            try {
                for (byte[] record : records) {
                    long sizeWith = batchStartSize + batch.size() + record.length;
                    if (sizeWith > limits.segmentBytes() && batchStartSize + batch.size() > 0) {
                        writer.write(batch.toByteArray(), batch.size());
                        batch.reset();
                        writer = writer.rotate(limits.segmentsPerFunction());
                        writers.put(functionName, writer);
                        batchStartSize = 0;
                    }
                    batch.write(record, 0, record.length);
                }
                writer.write(batch.toByteArray(), batch.size());
            } catch (IOException | RuntimeException e) {
                // Reopening cuts off what a failed write may have left half written.
                writers.remove(functionName);
                closeQuietly(functionName, writer);
                throw e;
            }
        } finally {
            writeLock.unlock();
        }
        signals.signal(functionName);
    }

    /** The function's open writer, opened (and the least recently used one closed) if needed. Under the lock. */
    private SegmentWriter writer(String functionName) throws IOException {
        SegmentWriter writer = writers.get(functionName);
        if (writer != null) {
            return writer;
        }
        writer = SegmentWriter.openNewest(root.resolve(functionName));
        writers.put(functionName, writer);
        while (writers.size() > limits.maxOpenWriters()) {
            Map.Entry<String, SegmentWriter> eldest = writers.entrySet().iterator().next();
            writers.remove(eldest.getKey());
            closeQuietly(eldest.getKey(), eldest.getValue());
        }
        return writer;
    }

    private static void closeQuietly(String functionName, SegmentWriter writer) {
        try {
            writer.close();
        } catch (IOException e) {
            log.warn("closing the log segment of {} failed", functionName, e);
        }
    }

    /**
     * Up to {@code maxEvents} events from {@code cursor} on, oldest first, and the cursor after them. Also stops at
     * {@link #MAX_PAGE_BYTES}. A cursor whose segment was rotated away continues at the oldest segment left; one
     * beyond the log (the function was deleted and its log started again) starts over at the beginning. Records a
     * crash left unreadable are skipped. A function without logs gives no events and the cursor back.
     */
    public LogPage read(String functionName, LogCursor cursor, int maxEvents) throws IOException {
        FunctionNames.requireValid(functionName);
        Objects.requireNonNull(cursor, "cursor");
        if (maxEvents < 1 || maxEvents > MAX_PAGE_EVENTS) {
            throw new IllegalArgumentException("maxEvents must be 1 to " + MAX_PAGE_EVENTS + ": " + maxEvents);
        }
        Path directory = root.resolve(functionName);
        List<LogEvent> events = new ArrayList<>();
        long[] budget = {MAX_PAGE_BYTES};
        LogCursor at = cursor;
        boolean restarted = false;
        long[] segments = Segments.list(directory);
        while (segments.length > 0) {
            if (at.segment() < segments[0] || at.segment() > segments[segments.length - 1]) {
                at = new LogCursor(segments[0], 0);
            }
            long segment = at.segment();
            Segments.Scan scan;
            try (FileChannel channel = FileChannel.open(Segments.path(directory, segment), StandardOpenOption.READ)) {
                if (at.offset() > channel.size()) {
                    if (restarted) {
                        break;
                    }
                    // Only after the log was deleted and started again: a cursor never passes a whole record.
                    restarted = true;
                    at = new LogCursor(segments[0], 0);
                    continue;
                }
                scan = Segments.scan(channel, at.offset(), RecordCodec.MAX_RECORD_BYTES, (start, line, end) -> {
                    int length = (int) (end - 1 - start);
                    LogEvent event = line == null ? null : RecordCodec.decode(line, length);
                    if (event != null) {
                        events.add(event);
                        budget[0] -= length;
                    }
                    return events.size() < maxEvents && budget[0] > 0;
                });
            } catch (NoSuchFileException rotatedAway) {
                segments = Segments.list(directory);
                at = new LogCursor(0, 0);
                continue;
            }
            at = new LogCursor(segment, scan.resume());
            if (scan.stopped()) {
                break;
            }
            long next = nextSegment(segments, segment);
            if (next < 0) {
                // Maybe rotated since the listing: a newer segment means this one is complete.
                segments = Segments.list(directory);
                next = nextSegment(segments, segment);
            }
            if (next < 0) {
                break;
            }
            at = new LogCursor(next, 0);
        }
        return new LogPage(events, at);
    }

    private static long nextSegment(long[] segments, long after) {
        for (long segment : segments) {
            if (segment > after) {
                return segment;
            }
        }
        return -1;
    }

    /**
     * The last {@code n} events (fewer if the log is shorter, if they exceed {@link #MAX_PAGE_BYTES}, or if some were
     * left unreadable by a crash), oldest first, and the cursor at the end of the log: pass it to
     * {@link #awaitAppend} and {@link #read} to follow. {@code n = 0} gives just that cursor.
     */
    public LogPage tail(String functionName, int n) throws IOException {
        FunctionNames.requireValid(functionName);
        if (n < 0 || n > MAX_PAGE_EVENTS) {
            throw new IllegalArgumentException("n must be 0 to " + MAX_PAGE_EVENTS + ": " + n);
        }
        Path directory = root.resolve(functionName);
        long[] segments = Segments.list(directory);
        if (segments.length == 0) {
            return new LogPage(List.of(), LogCursor.BEGINNING);
        }
        Deque<LogEvent> newestFirst = new ArrayDeque<>();
        LogCursor end = null;
        long budget = MAX_PAGE_BYTES;
        for (int s = segments.length - 1; s >= 0 && (end == null || (newestFirst.size() < n && budget > 0)); s--) {
            long segment = segments[s];
            try (FileChannel channel = FileChannel.open(Segments.path(directory, segment), StandardOpenOption.READ)) {
                // Where the lines are, without copying them; only the last ones wanted are read and decoded.
                LineRing lines = new LineRing(n - newestFirst.size());
                Segments.Scan scan = Segments.scan(channel, 0, 0, (start, line, lineEnd) -> {
                    lines.add(start, lineEnd - 1 - start);
                    return true;
                });
                if (end == null) {
                    end = new LogCursor(segment, scan.resume());
                }
                for (int i = lines.size() - 1; i >= 0 && newestFirst.size() < n && budget > 0; i--) {
                    long length = lines.length(i);
                    LogEvent event = length > RecordCodec.MAX_RECORD_BYTES ? null
                            : RecordCodec.decode(Segments.read(channel, lines.start(i), (int) length), (int) length);
                    if (event != null) {
                        newestFirst.addFirst(event);
                        budget -= length;
                    }
                }
            } catch (NoSuchFileException rotatedAway) {
                // Deleted since the listing: older still are gone too, or the whole log was deleted.
                break;
            }
        }
        return new LogPage(List.copyOf(newestFirst), end == null ? LogCursor.BEGINNING : end);
    }

    /** The positions of the last few lines of a scan. */
    private static final class LineRing {
        private final long[] starts;
        private final long[] lengths;
        private long added;

        LineRing(int capacity) {
            starts = new long[capacity];
            lengths = new long[capacity];
        }

        void add(long start, long length) {
            if (starts.length == 0) {
                return;
            }
            int slot = (int) (added % starts.length);
            starts[slot] = start;
            lengths[slot] = length;
            added++;
        }

        int size() {
            return (int) Math.min(added, starts.length);
        }

        /** The i-th kept line, 0 the oldest. */
        long start(int i) {
            return starts[slot(i)];
        }

        long length(int i) {
            return lengths[slot(i)];
        }

        private int slot(int i) {
            long first = added - size();
            return (int) ((first + i) % starts.length);
        }
    }

    /**
     * Completes with true once the function's log has an event after {@code after} (at once if it has one now), or
     * with false after {@code timeout}: a long poll for {@code kindling logs --follow} that holds no thread while
     * waiting. Cancelling the returned future forgets the wait.
     */
    public CompletableFuture<Boolean> awaitAppend(String functionName, LogCursor after, Duration timeout) {
        FunctionNames.requireValid(functionName);
        Objects.requireNonNull(after, "after");
        Objects.requireNonNull(timeout, "timeout");
        CompletableFuture<Boolean> appended = signals.register(functionName, timeout);
        try {
            if (!read(functionName, after, 1).events().isEmpty()) {
                appended.complete(true);
            }
        } catch (IOException e) {
            appended.completeExceptionally(e);
        }
        return appended;
    }

    /**
     * Deletes the function's log. Call it after the function's environments are gone: a line appended later starts a
     * new log. Waiting readers are woken (and find nothing).
     */
    public void delete(String functionName) throws IOException {
        FunctionNames.requireValid(functionName);
        Path directory = root.resolve(functionName);
        writeLock.lock();
        try {
            SegmentWriter writer = writers.remove(functionName);
            if (writer != null) {
                closeQuietly(functionName, writer);
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
                for (Path file : files) {
                    Files.deleteIfExists(file);
                }
            } catch (NoSuchFileException absent) {
                return;
            }
            Files.deleteIfExists(directory);
        } finally {
            writeLock.unlock();
            signals.signal(functionName);
        }
    }

    /** Closes the open segments; appends fail afterwards, reads still work. */
    @Override
    public void close() {
        writeLock.lock();
        try {
            closed = true;
            writers.forEach(FunctionLogs::closeQuietly);
            writers.clear();
        } finally {
            writeLock.unlock();
        }
    }

    /** Segments open for appending now, for tests. */
    int openWriters() {
        writeLock.lock();
        try {
            return writers.size();
        } finally {
            writeLock.unlock();
        }
    }

    /** Readers waiting in {@link #awaitAppend} now, for tests. */
    int waitingReaders() {
        return signals.waiting();
    }
}
