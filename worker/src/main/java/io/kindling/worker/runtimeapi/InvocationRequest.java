package io.kindling.worker.runtimeapi;

import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * One invocation as the runtime sees it: the body and headers of its {@code GET /runtime/invocation/next}.
 *
 * <p>The payload array is handed over, not copied (events are up to 6 MB); nobody may change it afterwards.
 *
 * @param requestId the AWS request id, a UUID string ({@code Lambda-Runtime-Aws-Request-Id})
 * @param payload the event bytes, sent as the body
 * @param deadlineEpochMillis when the invocation times out, Unix epoch milliseconds ({@code Lambda-Runtime-Deadline-Ms})
 * @param invokedFunctionArn the ARN as the caller used it, with any {@code :alias} or {@code :version}
 *     ({@code Lambda-Runtime-Invoked-Function-Arn})
 * @param traceId {@code Root=1-…;Parent=…;Sampled=0|1} ({@code Lambda-Runtime-Trace-Id}); see {@link #newTraceId}
 * @param clientContext the client context JSON, already base64-decoded ({@code Lambda-Runtime-Client-Context})
 * @param cognitoIdentity the Cognito identity JSON ({@code Lambda-Runtime-Cognito-Identity})
 */
public record InvocationRequest(String requestId, byte[] payload, long deadlineEpochMillis, String invokedFunctionArn,
                                String traceId, Optional<String> clientContext, Optional<String> cognitoIdentity) {

    public InvocationRequest {
        requireHeaderText(requestId, "requestId");
        Objects.requireNonNull(payload, "payload");
        requireHeaderText(invokedFunctionArn, "invokedFunctionArn");
        requireHeaderText(traceId, "traceId");
        Objects.requireNonNull(clientContext, "clientContext");
        Objects.requireNonNull(cognitoIdentity, "cognitoIdentity");
    }

    /** The same invocation with another deadline (a cold start's, set when init ends). */
    public InvocationRequest withDeadline(long epochMillis) {
        return new InvocationRequest(requestId, payload, epochMillis, invokedFunctionArn, traceId, clientContext,
                cognitoIdentity);
    }

    /**
     * A fresh X-Ray trace header in the form Lambda sends when the caller gave none:
     * {@code Root=1-<8 hex epoch seconds>-<24 hex random>;Parent=<16 hex random>;Sampled=0}.
     */
    public static String newTraceId(Instant now, RandomGenerator random) {
        HexFormat hex = HexFormat.of();
        return "Root=1-" + hex.toHexDigits((int) now.getEpochSecond())
                + "-" + hex.toHexDigits(random.nextInt()) + hex.toHexDigits(random.nextLong())
                + ";Parent=" + hex.toHexDigits(random.nextLong())
                + ";Sampled=0";
    }

    /**
     * These values become single-line response headers; a line break in one would let it forge headers
     * or split the response, so it is a bug in whoever built the request.
     */
    private static void requireHeaderText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException(name + " must not contain a line break");
        }
    }
}
