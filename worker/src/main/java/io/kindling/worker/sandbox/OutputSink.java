package io.kindling.worker.sandbox;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a sandbox's stdout and stderr go. They are one stream, as in Lambda, where both end up in
 * the function's log stream in the order they were written.
 */
public sealed interface OutputSink {
    /** Appended to a host file by the kernel directly: no worker thread copies the bytes. */
    record ToFile(Path file) implements OutputSink {
        public ToFile {
            Objects.requireNonNull(file, "file");
        }
    }

    /**
     * Copied into a stream by one platform thread per sandbox (the pipe read blocks in native
     * code). If the stream throws, the rest of the output is read and dropped so the function never
     * blocks on a full pipe. The sandbox does not close the stream.
     */
    record ToStream(OutputStream stream) implements OutputSink {
        public ToStream {
            Objects.requireNonNull(stream, "stream");
        }
    }

    /** Dropped by the kernel (/dev/null). */
    record Discard() implements OutputSink {}

    static OutputSink file(Path file) {
        return new ToFile(file);
    }

    static OutputSink stream(OutputStream stream) {
        return new ToStream(stream);
    }

    static OutputSink discard() {
        return new Discard();
    }
}
