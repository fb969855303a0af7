package io.kindling.worker.logs;

import java.util.Arrays;

/**
 * Splits a runtime's output bytes into log lines, as Lambda's log capture does: a line ends at {@code \n} (a
 * {@code \r} just before it goes too); a lone {@code \r} stays in the line, since Node.js runtimes use it to keep a
 * multi-line message in one event. Empty lines are dropped (CloudWatch takes no empty event). A line longer than the
 * limit is cut into several, each cut on a character boundary. Not thread-safe: its owner locks.
 */
final class LineSplitter {
    private static final int INITIAL = 256;
    /** After a long line, a buffer above this size is given back rather than kept for the environment's lifetime. */
    private static final int KEEP = 16 * 1024;

    interface Sink {
        /** A line in {@code bytes[0..length)}, without its line break; the array is reused afterwards. */
        void line(byte[] bytes, int length);
    }

    private final int maxLineBytes;
    private byte[] buffer = new byte[INITIAL];
    private int length;

    LineSplitter(int maxLineBytes) {
        if (maxLineBytes < 4) {
            throw new IllegalArgumentException("a line must hold a character: " + maxLineBytes);
        }
        this.maxLineBytes = maxLineBytes;
    }

    void write(byte[] bytes, int offset, int count, Sink sink) {
        int end = offset + count;
        int from = offset;
        while (from < end) {
            int newline = indexOf(bytes, from, end, (byte) '\n');
            int stop = newline < 0 ? end : newline;
            while (from < stop) {
                if (length == maxLineBytes) {
                    cut(sink);
                }
                int n = Math.min(stop - from, maxLineBytes - length);
                append(bytes, from, n);
                from += n;
            }
            if (newline >= 0) {
                emitLine(sink);
                from = newline + 1;
            }
        }
    }

    /** Emits the unfinished line, if any: the invocation ended or the output closed. */
    void flush(Sink sink) {
        emitLine(sink);
    }

    /** Bytes of an unfinished line held now. */
    int pending() {
        return length;
    }

    private void emitLine(Sink sink) {
        int lineLength = length > 0 && buffer[length - 1] == '\r' ? length - 1 : length;
        if (lineLength > 0) {
            sink.line(buffer, lineLength);
        }
        length = 0;
        if (buffer.length > KEEP) {
            buffer = new byte[INITIAL];
        }
    }

    /** The line reached the limit without a line break: emit what fits whole, keep the rest for the next line. */
    private void cut(Sink sink) {
        int at = Utf8.endBoundary(buffer, length);
        if (at == 0) {
            at = length;
        }
        sink.line(buffer, at);
        System.arraycopy(buffer, at, buffer, 0, length - at);
        length -= at;
    }

    private void append(byte[] bytes, int from, int n) {
        if (length + n > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.min(maxLineBytes, Math.max(length + n, 2 * buffer.length)));
        }
        System.arraycopy(bytes, from, buffer, length, n);
        length += n;
    }

    private static int indexOf(byte[] bytes, int from, int end, byte wanted) {
        for (int i = from; i < end; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }
}
