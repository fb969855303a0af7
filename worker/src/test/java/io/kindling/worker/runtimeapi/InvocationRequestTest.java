package io.kindling.worker.runtimeapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InvocationRequestTest {
    @Test
    void aNewTraceIdHasLambdasShape() {
        String traceId = InvocationRequest.newTraceId(Instant.ofEpochSecond(0x6553f100L), new Random(1));

        assertThat(traceId).matches("Root=1-6553f100-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0");
    }

    @Test
    void headerValuesWithLineBreaksAreRefused() {
        assertThatThrownBy(() -> new InvocationRequest("id", new byte[0], 1, "arn\r\nX-Injected: 1", "Root=1-0-0",
                Optional.empty(), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invokedFunctionArn");
        assertThatThrownBy(() -> new InvocationRequest(" ", new byte[0], 1, "arn", "Root=1-0-0",
                Optional.empty(), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestId");
    }
}
