package io.kindling.worker.runtimeapi;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * How the runtime finished one invocation. Byte arrays are handed over, not copied.
 *
 * <p>Every case but {@link Response} reaches the caller as a function error (HTTP 200 with
 * {@code X-Amz-Function-Error: Unhandled}); mapping that is the frontend's job. The body each case
 * carries is already the exact JSON the caller must receive.
 */
public sealed interface RuntimeOutcome {
    /** The largest response (and error report) a runtime may post: 6 MiB + 100 bytes, as Lambda and the RIE. */
    int MAX_RESPONSE_BYTES = 6_291_556;

    /** {@code POST /runtime/invocation/{id}/response}: the function's result, as the runtime posted it. */
    record Response(byte[] body, String contentType) implements RuntimeOutcome {
        public Response {
            Objects.requireNonNull(body, "body");
            Objects.requireNonNull(contentType, "contentType");
        }
    }

    /**
     * {@code POST /runtime/invocation/{id}/error}.
     *
     * @param errorType from {@code Lambda-Runtime-Function-Error-Type}, else from the body, else {@code Runtime.Unknown}
     * @param body {@code {"errorMessage","errorType","stackTrace"}} as the runtime sent it when that was a JSON
     *     object; otherwise one built from the header and whatever text the body held
     */
    record FunctionError(String errorType, byte[] body) implements RuntimeOutcome {
        public FunctionError {
            Objects.requireNonNull(errorType, "errorType");
            Objects.requireNonNull(body, "body");
        }
    }

    /**
     * {@code POST /runtime/init/error}: the runtime could not start; Lambda answers the first invocation with
     * this. Same fields as {@link FunctionError}.
     */
    record InitError(String errorType, byte[] body) implements RuntimeOutcome {
        public InitError {
            Objects.requireNonNull(errorType, "errorType");
            Objects.requireNonNull(body, "body");
        }
    }

    /**
     * The runtime posted a response over {@link #MAX_RESPONSE_BYTES}; it was told 413 and the bytes were dropped.
     * The caller gets {@link #callerBody()}.
     */
    record ResponseTooLarge() implements RuntimeOutcome {
        public static final String ERROR_TYPE = "Function.ResponseSizeTooLarge";
        private static final String CALLER_BODY = "{\"errorType\":\"" + ERROR_TYPE + "\",\"errorMessage\":"
                + "\"Response payload size exceeded maximum allowed payload size (" + MAX_RESPONSE_BYTES + " bytes).\"}";

        /**
         * The body Lambda returns to the caller for this case. It is built here, beside the limit it quotes, so
         * the frontend only maps the status and header.
         */
        public byte[] callerBody() {
            return CALLER_BODY.getBytes(StandardCharsets.UTF_8);
        }
    }
}
