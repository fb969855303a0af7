package io.kindling.worker.pool;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** What the caller of one invocation gets. Byte arrays are handed over, not copied. */
public sealed interface InvokeOutcome {

    /** The function's result, as the runtime posted it. */
    record Response(byte[] body, String contentType) implements InvokeOutcome {
        public Response {
            Objects.requireNonNull(body, "body");
            Objects.requireNonNull(contentType, "contentType");
        }
    }

    /**
     * A function error ({@code X-Amz-Function-Error: Unhandled} for the caller): reported by the runtime, or one the
     * worker reports for it (timeout, runtime exit, out of memory). {@code body} is the exact JSON the caller gets.
     */
    record FunctionFailure(String errorType, byte[] body) implements InvokeOutcome {
        public FunctionFailure {
            Objects.requireNonNull(errorType, "errorType");
            Objects.requireNonNull(body, "body");
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }
}
