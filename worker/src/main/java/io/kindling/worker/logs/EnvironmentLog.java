package io.kindling.worker.logs;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one execution environment: its log stream in the function's {@link FunctionLogs}, and the tail of the
 * invocation in progress for {@code X-Amz-Log-Type: Tail}.
 *
 * <p>Threads: {@link #output()} is written by the sandbox's output pump (one platform thread);
 * {@link #start}, {@link #end} and {@link #platformLine} are called by the environment's event thread. A lock orders
 * them, so every line lands either inside an invocation's START…REPORT or outside all of them. Each line is stamped
 * with the store's clock when its line break (or the end of the invocation) arrives, and appended to the store
 * before the call returns.
 *
 * <p>What goes where:
 * <ul>
 *   <li>Lines between {@link #start} and {@link #end} go to the store and to that invocation's tail.
 *   <li>Lines outside an invocation (init output before the first START, output after an END) go to the store
 *       only. A cold start's tail therefore holds no init output; Lambda's does not either.
 *   <li>{@link #end} first emits the unfinished line, so a last {@code printf} without a line break is in the tail.
 * </ul>
 *
 * <p>Ordering limit: the runtime writes its output to a pipe and posts its answer over HTTP; the pump may not have
 * read the last writes when the answer arrives and {@link #end} runs. Bytes already handed to {@link #output()} are
 * in the invocation; bytes still in the pipe arrive after END, in the store (in arrival order) but not in the tail.
 * Nothing waits for them: how long to wait would be a guess, and the answer must not be delayed for logs. A function
 * that ends by exiting is not affected: the sandbox's exit completes only after its output is drained.
 *
 * <p>A failing store (disk full) never reaches the runtime: the line is dropped, a warning logged, the tail kept.
 */
public final class EnvironmentLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EnvironmentLog.class);

    /** The longest event: CloudWatch's 256 KB per event; a longer line is cut into several. */
    public static final int MAX_EVENT_BYTES = 256 * 1024;

    /** A batch is appended once it holds this much, even in the middle of one write. */
    private static final int BATCH_CHARS = 1 << 20;

    private final FunctionLogs store;
    private final String functionName;
    private final String version;
    private final String streamName;
    private final Clock clock;
    private final OutputStream output = new Capture();

    private final ReentrantLock lock = new ReentrantLock();
    // ---- guarded by lock ----
    private final LineSplitter lines = new LineSplitter(MAX_EVENT_BYTES);
    private final TailBuffer tail = new TailBuffer(LogTail.MAX_BYTES);
    /** The request id between start and end; null between invocations. */
    private String invocation;
    /** Events of the current call, appended to the store together before it returns. */
    private final List<LogEvent> batch = new ArrayList<>();
    private long batchChars;
    private boolean storeFailing;

    EnvironmentLog(FunctionLogs store, String functionName, String version, String streamName, Clock clock) {
        this.store = store;
        this.functionName = functionName;
        this.version = version;
        this.streamName = streamName;
        this.clock = clock;
    }

    public String functionName() {
        return functionName;
    }

    public String streamName() {
        return streamName;
    }

    /** The sink for the sandbox's stdout and stderr ({@code OutputSink.stream(log.output())}). */
    public OutputStream output() {
        return output;
    }

    /**
     * Writes {@code START RequestId: <id> Version: <version>} and begins the invocation's tail. An unfinished line
     * written before is emitted first, outside the invocation.
     *
     * @throws IllegalStateException if an invocation is already open
     */
    public void start(String requestId) {
        Objects.requireNonNull(requestId, "requestId");
        lock.lock();
        try {
            if (invocation != null) {
                throw new IllegalStateException("invocation " + invocation + " is still open in " + streamName);
            }
            long now = clock.millis();
            lines.flush((bytes, length) -> emit(now, decode(bytes, length)));
            invocation = requestId;
            tail.clear();
            emit(now, PlatformLines.start(requestId, version));
            appendBatch();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the invocation: emits its unfinished line, writes END and REPORT, and returns its tail.
     *
     * @throws IllegalStateException if {@code requestId} is not the open invocation
     */
    public LogTail end(String requestId, Report report) {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(report, "report");
        lock.lock();
        try {
            if (!requestId.equals(invocation)) {
                throw new IllegalStateException("ending " + requestId + " but the open invocation in " + streamName
                        + " is " + invocation);
            }
            long now = clock.millis();
            lines.flush((bytes, length) -> emit(now, decode(bytes, length)));
            emit(now, PlatformLines.end(requestId));
            emit(now, PlatformLines.report(requestId, report));
            appendBatch();
            invocation = null;
            LogTail result = new LogTail(tail.snapshot());
            tail.clear();
            return result;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A line Lambda writes itself (see {@link PlatformLines}), e.g. a runtime's exit or an init error; inside an
     * invocation it is in its tail too. It may hold line breaks: it stays one event. An unfinished line of the
     * runtime's is emitted first. Cut at {@link #MAX_EVENT_BYTES}.
     */
    public void platformLine(String text) {
        Objects.requireNonNull(text, "text");
        lock.lock();
        try {
            long now = clock.millis();
            lines.flush((bytes, length) -> emit(now, decode(bytes, length)));
            emit(now, Utf8.truncate(text, MAX_EVENT_BYTES));
            appendBatch();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Emits the unfinished last line, once the sandbox's output has ended ({@code Sandbox.exit()} completes after
     * the pump drained it). Output written later is still captured, line by line.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            long now = clock.millis();
            lines.flush((bytes, length) -> emit(now, decode(bytes, length)));
            appendBatch();
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock. */
    private void emit(long timestampMillis, String message) {
        batch.add(new LogEvent(timestampMillis, streamName, message));
        batchChars += message.length();
        if (invocation != null) {
            tail.appendLine(message.getBytes(StandardCharsets.UTF_8));
        }
        if (batchChars >= BATCH_CHARS) {
            appendBatch(); // one huge write must not hold all its lines in memory at once
        }
    }

    /** Under the lock. */
    private void appendBatch() {
        if (batch.isEmpty()) {
            return;
        }
        try {
            store.append(functionName, batch);
            if (storeFailing) {
                storeFailing = false;
                log.info("log stream {} of {}: appending works again", streamName, functionName);
            }
        } catch (IOException | RuntimeException e) {
            // Logged once per failing spell, not once per line of a chatty function.
            if (!storeFailing) {
                storeFailing = true;
                log.warn("log stream {} of {}: appending failed, dropping lines until it works again",
                        streamName, functionName, e);
            }
        } finally {
            batch.clear();
            batchChars = 0;
        }
    }

    /** Malformed UTF-8 becomes U+FFFD, as CloudWatch stores only text. */
    private static String decode(byte[] bytes, int length) {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    /** What the sandbox writes into. */
    private final class Capture extends OutputStream {
        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            Objects.checkFromIndexSize(offset, length, bytes.length);
            lock.lock();
            try {
                long now = clock.millis();
                lines.write(bytes, offset, length, (line, lineLength) -> emit(now, decode(line, lineLength)));
                appendBatch();
            } finally {
                lock.unlock();
            }
        }

        /** Nothing to do: complete lines are appended as they arrive, and the pump flushes after every read. */
        @Override
        public void flush() {}

        @Override
        public void close() {
            EnvironmentLog.this.close();
        }
    }

    @Override
    public String toString() {
        return "EnvironmentLog[" + functionName + ", " + streamName + "]";
    }
}
