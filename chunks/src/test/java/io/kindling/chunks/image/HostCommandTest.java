package io.kindling.chunks.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostCommandTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void keepsOnlyABoundedTailOfAHugeOutput() throws Exception {
        HostCommand.Result result = HostCommand.run(List.of("sh", "-c", "seq 1 200000; echo done >&2; exit 3"), TIMEOUT);

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.succeeded()).isFalse();
        assertThat(result.outputTail().length()).isLessThanOrEqualTo(HostCommand.TAIL_CHARS);
        assertThat(result.outputTail()).as("stderr merged, last").endsWith("199999\n200000\ndone");
        assertThat(result.describe()).startsWith("sh -c seq 1 200000; echo done >&2; exit 3 exited with 3: ");
    }

    @Test
    void cutsALineWithoutNewlines() throws Exception {
        HostCommand.Result result = HostCommand.run(List.of("sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x"), TIMEOUT);

        assertThat(result.succeeded()).isTrue();
        assertThat(result.outputTail()).hasSize(HostCommand.LINE_CHARS).containsOnlyOnce("x".repeat(HostCommand.LINE_CHARS));
    }

    @Test
    void killsACommandPastItsDeadline() {
        assertThatThrownBy(() -> HostCommand.run(List.of("sh", "-c", "echo started; exec sleep 60"), Duration.ofMillis(300)))
                .isInstanceOf(HostCommandException.TimedOut.class).hasMessageContaining("started");
    }

    @Test
    void aMissingToolIsNotRunnable() {
        assertThatThrownBy(() -> HostCommand.run(List.of("/nonexistent/tool"), TIMEOUT))
                .isInstanceOf(HostCommandException.NotRunnable.class);
    }
}
