package io.kindling.worker.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.kindling.assignment.FunctionError;
import io.kindling.assignment.InvocationId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LambdaErrorBodiesTest {
    private static final InvocationId ID = new InvocationId("0f0e0d0c-0000-4000-8000-000000000001");

    private static String body(FunctionError error, Duration timeout) {
        return new String(LambdaErrorBodies.of(error, ID, timeout), StandardCharsets.UTF_8);
    }

    @Test
    void aTimeoutQuotesTheConfiguredTimeoutWithTwoDecimals() {
        assertThat(body(new FunctionError.Timeout(), Duration.ofSeconds(3))).isEqualTo(
                "{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":\"RequestId: " + ID
                        + " Error: Task timed out after 3.00 seconds\"}");
    }

    @Test
    void anExitNamesTheStatusAndASignalDeathNamesTheSignal() {
        assertThat(body(new FunctionError.RuntimeExit(2), Duration.ofSeconds(3)))
                .endsWith("Error: Runtime exited with error: exit status 2\"}");
        assertThat(body(new FunctionError.RuntimeExit(137), Duration.ofSeconds(3)))
                .endsWith("Error: Runtime exited with error: signal: killed\"}");
        assertThat(body(new FunctionError.OutOfMemory(), Duration.ofSeconds(3)))
                .startsWith("{\"errorType\":\"Runtime.OutOfMemory\"");
    }

    @Test
    void anInvalidEntrypointCarriesLambdasOwnWording() {
        assertThat(body(new FunctionError.InvalidEntrypoint("Couldn't find valid bootstrap(s): [/var/task/bootstrap]"),
                Duration.ofSeconds(3))).isEqualTo("{\"errorType\":\"Runtime.InvalidEntrypoint\",\"errorMessage\":"
                + "\"RequestId: " + ID + " Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap]\"}");
    }

    @Test
    void quotesAndControlCharactersAreEscaped() {
        assertThat(new String(LambdaErrorBodies.json("T", "a\"b\\c\nd\u0001"), StandardCharsets.UTF_8))
                .isEqualTo("{\"errorType\":\"T\",\"errorMessage\":\"a\\\"b\\\\c\\nd\\u0001\"}");
    }
}
