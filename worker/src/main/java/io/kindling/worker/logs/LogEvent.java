package io.kindling.worker.logs;

import java.util.Objects;

/**
 * One log event, as CloudWatch Logs has them: a line of one execution environment's output, or a line the platform
 * wrote for it (START, END, REPORT, errors).
 *
 * @param timestampMillis when the line was captured, epoch milliseconds
 * @param stream the log stream, one per execution environment ({@code 2024/01/31/[$LATEST]<32 hex>})
 * @param message the line without its line break; a platform line may hold several lines (Lambda writes
 *     {@code RequestId: … Error: …\nRuntime.ExitError} as one event)
 */
public record LogEvent(long timestampMillis, String stream, String message) {
    /** CloudWatch's longest log stream name. */
    public static final int MAX_STREAM_NAME_CHARS = 512;

    public LogEvent {
        requireValidStream(stream);
        Objects.requireNonNull(message, "message");
    }

    static String requireValidStream(String stream) {
        Objects.requireNonNull(stream, "stream");
        if (stream.isEmpty() || stream.length() > MAX_STREAM_NAME_CHARS) {
            throw new IllegalArgumentException("a log stream name has 1 to " + MAX_STREAM_NAME_CHARS + " characters: "
                    + stream.length());
        }
        return stream;
    }
}
