package io.kindling.worker.runtimeapi;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;

/** Invocation requests for tests. */
final class Invocations {
    static final String ARN = "arn:aws:lambda:us-east-1:123456789012:function:echo:live";
    static final long DEADLINE = 1_900_000_000_000L;

    private Invocations() {}

    static InvocationRequest of(String payload) {
        return of(payload.getBytes(StandardCharsets.UTF_8));
    }

    static InvocationRequest of(byte[] payload) {
        return new InvocationRequest(UUID.randomUUID().toString(), payload, DEADLINE, ARN,
                InvocationRequest.newTraceId(Instant.ofEpochSecond(1_700_000_000L), new Random(7)),
                Optional.empty(), Optional.empty());
    }

    static InvocationRequest withContext(String payload, String clientContext, String cognitoIdentity) {
        InvocationRequest plain = of(payload);
        return new InvocationRequest(plain.requestId(), plain.payload(), plain.deadlineEpochMillis(),
                plain.invokedFunctionArn(), plain.traceId(), Optional.of(clientContext), Optional.of(cognitoIdentity));
    }
}
