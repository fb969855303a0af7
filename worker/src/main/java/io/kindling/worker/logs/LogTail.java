package io.kindling.worker.logs;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * The end of one invocation's log, for {@code Invoke} with {@code X-Amz-Log-Type: Tail}: at most
 * {@link #MAX_BYTES} bytes of UTF-8 from its START line to its REPORT line, each line ending in {@code \n}. Longer
 * logs lose their beginning; the cut falls on a character boundary, so the text may start mid-line.
 *
 * @param utf8 handed over, not copied
 */
public record LogTail(byte[] utf8) {
    /** Lambda's "last 4 KB of the execution log". */
    public static final int MAX_BYTES = 4096;

    public LogTail {
        Objects.requireNonNull(utf8, "utf8");
        if (utf8.length > MAX_BYTES) {
            throw new IllegalArgumentException("a log tail has at most " + MAX_BYTES + " bytes: " + utf8.length);
        }
    }

    /** The {@code X-Amz-Log-Result} header's value. */
    public String base64() {
        return Base64.getEncoder().encodeToString(utf8);
    }

    public String text() {
        return new String(utf8, StandardCharsets.UTF_8);
    }
}
