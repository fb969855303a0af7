package io.kindling.worker.pool;

import io.kindling.worker.logs.LogTail;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What the caller of one invocation gets, with the end of the invocation's log (START … REPORT) for
 * {@code X-Amz-Log-Type: Tail}. Byte arrays are handed over, not copied.
 */
public sealed interface InvokeOutcome {
    LogTail NO_LOG = new LogTail(new byte[0]);

    LogTail logTail();

    /** The function's result, as the runtime posted it. */
    record Response(byte[] body, String contentType, LogTail logTail) implements InvokeOutcome {
        public Response {
            Objects.requireNonNull(body, "body");
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(logTail, "logTail");
        }

        public Response(byte[] body, String contentType) {
            this(body, contentType, NO_LOG);
        }
    }

    /**
     * A function error ({@code X-Amz-Function-Error: Unhandled} for the caller): reported by the runtime, or one the
     * worker reports for it (timeout, runtime exit, out of memory). {@code body} is the exact JSON the caller gets.
     */
    record FunctionFailure(String errorType, byte[] body, LogTail logTail) implements InvokeOutcome {
        public FunctionFailure {
            Objects.requireNonNull(errorType, "errorType");
            Objects.requireNonNull(body, "body");
            Objects.requireNonNull(logTail, "logTail");
        }

        public FunctionFailure(String errorType, byte[] body) {
            this(errorType, body, NO_LOG);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }
}
