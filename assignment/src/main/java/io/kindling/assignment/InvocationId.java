package io.kindling.assignment;

import java.util.Objects;

/** The request id of one invocation (Lambda's {@code AwsRequestId}), as the runtime sees it in {@code /next}. */
public record InvocationId(String value) {
    public InvocationId {
        Objects.requireNonNull(value, "value");
        if (value.isBlank()) {
            throw new IllegalArgumentException("an invocation id must not be blank");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
