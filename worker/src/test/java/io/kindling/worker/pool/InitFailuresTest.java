package io.kindling.worker.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.kindling.assignment.FunctionError;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The reasons a provisioned-concurrency status gives when init fails: what a person needs to fix it. */
class InitFailuresTest {
    private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

    @Test
    void aRuntimesInitErrorGivesItsTypeAndMessage() {
        byte[] body = """
                {"errorMessage":"No module named \\"handler\\"\\nat line 1","errorType":"Runtime.ImportModuleError",\
                "stackTrace":[]}""".getBytes(StandardCharsets.UTF_8);

        assertThat(InitFailures.describe(new FunctionError.InitError("Runtime.ImportModuleError"), body, null, 128,
                TEN_SECONDS))
                .isEqualTo("the function's init failed: Runtime.ImportModuleError: No module named \"handler\" at line 1");
    }

    @Test
    void aBodyThatIsNotTheUsualReportIsShownCutToAStatusLine() {
        String longMessage = "x".repeat(InitFailures.MAX_MESSAGE_CHARS + 10);

        assertThat(InitFailures.errorMessage("plain words\n".getBytes(StandardCharsets.UTF_8))).isEqualTo("plain words");
        assertThat(InitFailures.errorMessage(longMessage.getBytes(StandardCharsets.UTF_8)))
                .hasSize(InitFailures.MAX_MESSAGE_CHARS + 1).endsWith("x…");
    }

    @Test
    void failuresTheRuntimeCouldNotReportAreWordedByKind() {
        assertThat(InitFailures.describe(new FunctionError.RuntimeExit(1), null, "exit status 1", 128, TEN_SECONDS))
                .isEqualTo("the function's init failed: Runtime.ExitError: the runtime exited during init (exit status 1)");
        assertThat(InitFailures.describe(new FunctionError.Timeout(), null, null, 128, TEN_SECONDS))
                .isEqualTo("the function's init failed: Sandbox.Timedout: init did not finish within 10 seconds");
        assertThat(InitFailures.describe(new FunctionError.OutOfMemory(), null, null, 256, TEN_SECONDS))
                .isEqualTo("the function's init failed: Runtime.OutOfMemory: init ran out of the function's 256 MB");
        assertThat(InitFailures.describe(new FunctionError.InvalidEntrypoint(
                "Couldn't find valid bootstrap(s): [/var/task/bootstrap]"), null, null, 128, TEN_SECONDS))
                .isEqualTo("the function's init failed: Runtime.InvalidEntrypoint: "
                        + "Couldn't find valid bootstrap(s): [/var/task/bootstrap]");
    }
}
