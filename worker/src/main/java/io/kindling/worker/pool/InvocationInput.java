package io.kindling.worker.pool;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * What a caller asks one invocation to run with; the pool adds the deadline and trace id.
 *
 * @param payload the event bytes, handed over, not copied
 * @param invokedArn the function ARN as the caller used it, with any {@code :alias} or {@code :version}
 * @param clientContext the client context JSON, already base64-decoded
 * @param cognitoIdentity the Cognito identity JSON
 * @param requestId the invocation's request id: the one the Invoke caller got back, or an async event's id
 */
public record InvocationInput(byte[] payload, String invokedArn, Optional<String> clientContext,
                              Optional<String> cognitoIdentity, String requestId) {
    public InvocationInput {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(invokedArn, "invokedArn");
        Objects.requireNonNull(clientContext, "clientContext");
        Objects.requireNonNull(cognitoIdentity, "cognitoIdentity");
    }

    public static InvocationInput of(byte[] payload, String invokedArn) {
        return new InvocationInput(payload, invokedArn, Optional.empty(), Optional.empty(), UUID.randomUUID().toString());
    }
}
