package io.kindling.worker.logs;

import java.util.Arrays;

/** The last bytes of one invocation's log, in a fixed ring: a function printing gigabytes costs it nothing more. */
final class TailBuffer {
    private final byte[] ring;
    private long written;

    TailBuffer(int capacity) {
        ring = new byte[capacity];
    }

    void clear() {
        written = 0;
    }

    /** Appends a line and its {@code \n}. */
    void appendLine(byte[] line) {
        append(line, 0, line.length);
        append(new byte[] {'\n'}, 0, 1);
    }

    private void append(byte[] bytes, int offset, int count) {
        if (count >= ring.length) {
            offset += count - ring.length;
            count = ring.length;
        }
        int at = (int) (written % ring.length);
        int first = Math.min(count, ring.length - at);
        System.arraycopy(bytes, offset, ring, at, first);
        System.arraycopy(bytes, offset + first, ring, 0, count - first);
        written += count;
    }

    /** The last bytes written, at most the capacity, starting on a character boundary. */
    byte[] snapshot() {
        int size = (int) Math.min(written, ring.length);
        byte[] out = new byte[size];
        int start = (int) ((written - size) % ring.length);
        int first = Math.min(size, ring.length - start);
        System.arraycopy(ring, start, out, 0, first);
        System.arraycopy(ring, 0, out, first, size - first);
        int from = Utf8.startBoundary(out, 0);
        return from == 0 ? out : Arrays.copyOfRange(out, from, size);
    }
}
