package io.kindling.worker.logs;

import java.nio.charset.StandardCharsets;

/** Cutting UTF-8 without splitting a character. */
final class Utf8 {
    private Utf8() {}

    /**
     * The largest {@code cut <= length} such that {@code bytes[0..cut)} does not end inside a character: a multi-byte
     * character that {@code length} would split is left out whole.
     */
    static int endBoundary(byte[] bytes, int length) {
        int i = length - 1;
        // A character has at most 3 continuation bytes after its lead byte.
        while (i >= 0 && i >= length - 4 && isContinuation(bytes[i])) {
            i--;
        }
        if (i < 0 || i < length - 4) {
            return length; // not UTF-8 anyway; cut where asked
        }
        int lead = bytes[i] & 0xFF;
        int size = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return i + size > length ? i : length;
    }

    /** The smallest {@code start >= from} that is not in the middle of a character. */
    static int startBoundary(byte[] bytes, int from) {
        int i = from;
        while (i < bytes.length && i < from + 3 && isContinuation(bytes[i])) {
            i++;
        }
        return i;
    }

    /** {@code text} cut to at most {@code maxBytes} bytes of UTF-8, on a character boundary. */
    static String truncate(String text, int maxBytes) {
        if (text.length() * 3L <= maxBytes) {
            return text; // no String of this length can encode longer
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= maxBytes) {
            return text;
        }
        return new String(bytes, 0, endBoundary(bytes, maxBytes), StandardCharsets.UTF_8);
    }

    private static boolean isContinuation(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
