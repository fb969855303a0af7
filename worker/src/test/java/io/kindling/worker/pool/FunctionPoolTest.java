package io.kindling.worker.pool;

import static io.kindling.worker.pool.PoolHarness.failure;
import static io.kindling.worker.pool.PoolHarness.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.assignment.EnvironmentState;
import io.kindling.assignment.LifecycleSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Function pools over real bubblewrap sandboxes, with a sh + curl bootstrap in the style of the AWS custom runtime
 * tutorial. Needs root, bwrap and curl (bin/test provides them).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FunctionPoolTest extends PoolTest {
    private static final String ARN = "arn:aws:lambda:eu-west-1:123456789012:function:pool-test";
    private static final long WAIT_SECONDS = PoolHarness.WAIT_SECONDS;

    /**
     * Counts its invocations in a shell variable, so the count shows whether the environment was reused. Answers
     * "count" with the count, "sleep" by overrunning any short timeout, "crash" by exiting 3, anything else by echoing.
     */
    private static final String COUNTING_BOOTSTRAP = """
            #!/bin/sh
            set -eu
            API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01"
            COUNT=0
            while true; do
              curl -sS -f -o /tmp/event -D /tmp/headers "$API/runtime/invocation/next"
              REQUEST_ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' /tmp/headers | cut -d' ' -f2 | tr -d '\\r\\n')
              COUNT=$((COUNT + 1))
              case "$(cat /tmp/event)" in
                *sleep*) sleep 30 ;;
                *crash*) exit 3 ;;
                *count*) printf '%s' "$COUNT" > /tmp/event ;;
              esac
              curl -sS -f -o /dev/null --data-binary @/tmp/event "$API/runtime/invocation/$REQUEST_ID/response"
            done
            """;

    /** Prints a line per invocation on stdout and one on stderr, then echoes. */
    private static final String LOGGING_BOOTSTRAP = """
            #!/bin/sh
            set -eu
            API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01"
            echo "init output"
            while true; do
              curl -sS -f -o /tmp/event -D /tmp/headers "$API/runtime/invocation/next"
              REQUEST_ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' /tmp/headers | cut -d' ' -f2 | tr -d '\\r\\n')
              echo "handling $(cat /tmp/event)"
              echo "to stderr" >&2
              curl -sS -f -o /dev/null --data-binary @/tmp/event "$API/runtime/invocation/$REQUEST_ID/response"
            done
            """;

    @BeforeEach
    void needsCurl() {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "the bootstraps need curl: run bin/test as root");
    }

    @Test
    void anEchoInvocationReturnsThePayload() throws Exception {
        FunctionPool pool = pool(COUNTING_BOOTSTRAP, Duration.ofSeconds(10), LifecycleSettings.DEFAULTS);

        InvokeOutcome outcome = invoke(pool, "{\"text\":\"héllo\"}");

        assertThat(outcome).isInstanceOf(InvokeOutcome.Response.class);
        assertThat(text(outcome)).isEqualTo("{\"text\":\"héllo\"}");
    }

    @Test
    void consecutiveInvocationsReuseTheWarmEnvironment() throws Exception {
        FunctionPool pool = pool(COUNTING_BOOTSTRAP, Duration.ofSeconds(10), LifecycleSettings.DEFAULTS);

        List<String> counts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            counts.add(text(invoke(pool, "count")));
            // The answer comes before the runtime is back in /next; only then is the environment warm.
            pool.settled().get(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        assertThat(counts).containsExactly("1", "2", "3");
        assertThat(pool.environments()).hasSize(1);
    }

    @Test
    void aFrozenEnvironmentIsThawedForTheNextInvocation() throws Exception {
        LifecycleSettings freezeAtOnce = new LifecycleSettings(Duration.ofMinutes(10), Duration.ZERO,
                Duration.ofMillis(300));
        FunctionPool pool = pool(COUNTING_BOOTSTRAP, Duration.ofSeconds(10), freezeAtOnce);

        List<String> counts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            counts.add(text(invoke(pool, "count")));
            EnvironmentState frozen = pool.environments().getFirst()
                    .reaches(s -> s instanceof EnvironmentState.Frozen).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(frozen).isInstanceOf(EnvironmentState.Frozen.class);
        }

        assertThat(counts).containsExactly("1", "2");
    }

    @Test
    void anInvocationPastItsTimeoutFailsAndItsEnvironmentIsNotReused() throws Exception {
        // The timeout also bounds the runtime's way back to /next, which a shell loop at 128 MB (7% of a core) takes
        // a while for on a loaded machine: 3 s, not 1.
        FunctionPool pool = pool(COUNTING_BOOTSTRAP, Duration.ofSeconds(3), LifecycleSettings.DEFAULTS);
        assertThat(text(invoke(pool, "count"))).isEqualTo("1");
        pool.settled().get(WAIT_SECONDS, TimeUnit.SECONDS);
        ExecutionEnvironment first = pool.environments().getFirst();

        InvokeOutcome.FunctionFailure timedOut = failure(invoke(pool, "sleep"));

        assertThat(timedOut.errorType()).isEqualTo("Sandbox.Timedout");
        assertThat(timedOut.bodyText()).matches("\\{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":"
                + "\"RequestId: [0-9a-f-]{36} Error: Task timed out after 3.00 seconds\"}");
        EnvironmentState.Gone gone = first.gone().get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(gone.reason()).isEqualTo(EnvironmentState.Reason.TIMED_OUT);
        assertThat(text(invoke(pool, "count")))
                .as("a cold start counts from 1 again").isEqualTo("1");
    }

    @Test
    void aRuntimeThatExitsMidInvocationIsAnExitError() throws Exception {
        FunctionPool pool = pool(COUNTING_BOOTSTRAP, Duration.ofSeconds(10), LifecycleSettings.DEFAULTS);

        InvokeOutcome.FunctionFailure crashed = failure(invoke(pool, "crash"));

        assertThat(crashed.errorType()).isEqualTo("Runtime.ExitError");
        assertThat(crashed.bodyText()).matches("\\{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":"
                + "\"RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3\"}");
    }

    @Test
    void anInitErrorIsTheAnswerToTheFirstInvocation() throws Exception {
        FunctionPool pool = pool(PoolHarness.INIT_ERROR_BOOTSTRAP, Duration.ofSeconds(10), LifecycleSettings.DEFAULTS);

        InvokeOutcome.FunctionFailure initFailed = failure(invoke(pool, "{}"));

        assertThat(initFailed.errorType()).isEqualTo("Runtime.NoConfig");
        assertThat(initFailed.bodyText()).contains("config missing");
    }

    @Test
    void aMissingBootstrapIsAnInvalidEntrypointAndNothingIsStarted() throws Exception {
        FunctionPool pool = pool(null, Duration.ofSeconds(10), LifecycleSettings.DEFAULTS);

        InvokeOutcome.FunctionFailure initFailed = failure(invoke(pool, "{}"));

        assertThat(initFailed.errorType()).isEqualTo("Runtime.InvalidEntrypoint");
        assertThat(initFailed.bodyText()).matches("\\{\"errorType\":\"Runtime.InvalidEntrypoint\",\"errorMessage\":"
                + "\"RequestId: [0-9a-f-]{36} Error: Couldn't find valid bootstrap\\(s\\): \\[/var/task/bootstrap]\"}");
        for (ExecutionEnvironment environment : pool.environments()) {
            // The answer comes before the environment has left the pool.
            assertThat(environment.gone().get(WAIT_SECONDS, TimeUnit.SECONDS).reason())
                    .isEqualTo(EnvironmentState.Reason.INIT_FAILED);
        }
        assertThat(pool.environments()).isEmpty();
        assertThat(PoolHarness.run("ip", "netns", "list")).doesNotContain(harness.prefix);
    }

    @Test
    void aBootstrapWithoutExecutePermissionIsAnInvalidEntrypoint() throws Exception {
        FunctionPool pool = pool(COUNTING_BOOTSTRAP, Duration.ofSeconds(10), LifecycleSettings.DEFAULTS);
        Files.setPosixFilePermissions(pool.function().codeDir().resolve("bootstrap"),
                PosixFilePermissions.fromString("rw-r--r--"));

        InvokeOutcome.FunctionFailure initFailed = failure(invoke(pool, "{}"));

        assertThat(initFailed.errorType()).isEqualTo("Runtime.InvalidEntrypoint");
        assertThat(initFailed.bodyText()).endsWith(" Error: fork/exec /var/task/bootstrap: permission denied\"}");
    }

    @Test
    void eachInvocationOfAFunctionWithoutBootstrapTriesAgainAsLambdaDoes() throws Exception {
        FunctionPool pool = pool(null, Duration.ofSeconds(10), LifecycleSettings.DEFAULTS);
        assertThat(failure(invoke(pool, "{}")).errorType()).isEqualTo("Runtime.InvalidEntrypoint");

        // The code is fixed in place (as an update would): the next cold start finds it.
        Path bootstrap = Files.writeString(pool.function().codeDir().resolve("bootstrap"), COUNTING_BOOTSTRAP);
        Files.setPosixFilePermissions(bootstrap, PosixFilePermissions.fromString("rwxr-xr-x"));

        assertThat(text(invoke(pool, "count"))).isEqualTo("1");
    }

    @Test
    void concurrentInvocationsAreEachAnsweredWithTheirOwnPayload() throws Exception {
        FunctionPool pool = pool(COUNTING_BOOTSTRAP, Duration.ofSeconds(10), LifecycleSettings.DEFAULTS);

        List<CompletableFuture<InvokeOutcome>> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            answers.add(pool.invoke(("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8), ARN));
        }

        for (int i = 0; i < 8; i++) {
            assertThat(text(answers.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS))).isEqualTo("{\"n\":" + i + "}");
        }
        assertThat(pool.environments()).hasSizeBetween(1, 8);
    }

    @Test
    void anIdleEnvironmentRetiresAfterTheIdleTimeoutAndLeavesNothingBehind() throws Exception {
        LifecycleSettings shortIdle = new LifecycleSettings(Duration.ofMillis(300), Duration.ofSeconds(1),
                Duration.ofMillis(300));
        FunctionPool pool = pool(COUNTING_BOOTSTRAP, Duration.ofSeconds(10), shortIdle);
        assertThat(text(invoke(pool, "count"))).isEqualTo("1");
        ExecutionEnvironment environment = pool.environments().getFirst();

        EnvironmentState.Gone gone = environment.gone().get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertThat(gone.reason()).isEqualTo(EnvironmentState.Reason.IDLE_TIMEOUT);
        assertThat(pool.environments()).isEmpty();
        assertThat(PoolHarness.run("ip", "netns", "list")).doesNotContain(harness.prefix);
        assertThat(harness.cgroupsNamed(environment.id())).isEmpty();
    }

    @Test
    void eachInvocationsLogIsFramedAndItsTailComesWithTheAnswer() throws Exception {
        FunctionPool pool = pool(LOGGING_BOOTSTRAP, Duration.ofSeconds(10), LifecycleSettings.DEFAULTS);

        InvokeOutcome cold = invoke(pool, "\"first\"");
        pool.settled().get(WAIT_SECONDS, TimeUnit.SECONDS);
        InvokeOutcome warm = invoke(pool, "\"second\"");

        assertThat(cold.logTail().text()).matches("(?s)START RequestId: [0-9a-f-]{36} Version: \\$LATEST\n.*"
                + "END RequestId: [0-9a-f-]{36}\n"
                + "REPORT RequestId: [0-9a-f-]{36}\tDuration: [0-9.]+ ms\tBilled Duration: [0-9]+ ms\t"
                + "Memory Size: 128 MB\tMax Memory Used: [1-9][0-9]* MB\tInit Duration: [0-9.]+ ms\t\n?");
        assertThat(warm.logTail().text()).contains("START RequestId: ").contains("REPORT RequestId: ")
                .doesNotContain("Init Duration").doesNotContain("first");
        List<String> stored = harness.awaitLogLine("pool-test", "handling \"second\"");
        assertThat(stored).contains("init output", "handling \"first\"", "to stderr");
        assertThat(stored.stream().filter(line -> line.startsWith("REPORT ")).count()).isEqualTo(2);
    }

    @Test
    void aColdStartBeyondTheMemoryCapEvictsTheLeastRecentlyUsedIdleEnvironmentOfAnotherFunction() throws Exception {
        EnvironmentContext twoSandboxes = harness.context(LifecycleSettings.DEFAULTS, new MemoryBudget(256L << 20));
        FunctionPool first = pool("first", COUNTING_BOOTSTRAP, Duration.ofSeconds(10), twoSandboxes);
        FunctionPool second = pool("second", COUNTING_BOOTSTRAP, Duration.ofSeconds(10), twoSandboxes);
        FunctionPool third = pool("third", COUNTING_BOOTSTRAP, Duration.ofSeconds(10), twoSandboxes);
        assertThat(text(invoke(first, "count"))).isEqualTo("1");
        first.settled().get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(text(invoke(second, "count"))).isEqualTo("1");
        second.settled().get(WAIT_SECONDS, TimeUnit.SECONDS);
        ExecutionEnvironment leastRecentlyUsed = first.environments().getFirst();

        assertThat(text(invoke(third, "count"))).isEqualTo("1");

        assertThat(leastRecentlyUsed.gone().get(WAIT_SECONDS, TimeUnit.SECONDS).reason())
                .isEqualTo(EnvironmentState.Reason.SHUTDOWN);
        assertThat(second.environments()).hasSize(1);
        assertThat(twoSandboxes.memory().usedBytes()).isEqualTo(256L << 20);
    }

    @Test
    void aColdStartIsRefusedAtOnceWhenBusyEnvironmentsHoldAllTheMemory() throws Exception {
        EnvironmentContext oneSandbox = harness.context(LifecycleSettings.DEFAULTS, new MemoryBudget(128L << 20));
        FunctionPool busy = pool("busy", COUNTING_BOOTSTRAP, Duration.ofSeconds(5), oneSandbox);
        FunctionPool other = pool("other", COUNTING_BOOTSTRAP, Duration.ofSeconds(10), oneSandbox);
        CompletableFuture<InvokeOutcome> sleeping = busy.invoke("sleep".getBytes(StandardCharsets.UTF_8), ARN);
        busy.environments().getFirst().reaches(s -> s instanceof EnvironmentState.Busy).get(WAIT_SECONDS, TimeUnit.SECONDS);

        CompletableFuture<InvokeOutcome> refused = other.invoke("{}".getBytes(StandardCharsets.UTF_8), ARN);

        assertThat(refused).failsWithin(Duration.ofSeconds(WAIT_SECONDS)).withThrowableThat()
                .havingCause().isInstanceOfSatisfying(EnvironmentUnavailable.class,
                        e -> assertThat(e.reason()).isEqualTo(EnvironmentUnavailable.Reason.NO_CAPACITY));
        assertThat(sleeping).isNotDone();
        assertThat(failure(sleeping.get(WAIT_SECONDS, TimeUnit.SECONDS)).errorType()).isEqualTo("Sandbox.Timedout");
    }

    // ---- helpers ----

    private FunctionPool pool(String name, String bootstrap, Duration timeout, EnvironmentContext context)
            throws IOException {
        FunctionVersionSpec function = new FunctionVersionSpec(name, "$LATEST", 128, 16, timeout,
                "function.handler", "eu-west-1", codeDir(bootstrap), Map.of("GREETING", "hello"), Runtime.provided());
        return harness.pool(function, context);
    }

    private FunctionPool pool(String bootstrap, Duration timeout, LifecycleSettings settings) throws IOException {
        Path code = codeDir(bootstrap);
        FunctionVersionSpec function = new FunctionVersionSpec("pool-test", "$LATEST", 128, 16, timeout,
                "function.handler", "eu-west-1", code, Map.of("GREETING", "hello"), Runtime.provided());
        return harness.pool(function, settings);
    }

    /** A world-readable code directory, with {@code bootstrap} (mode 0755) unless it is null. */
    private Path codeDir(String bootstrap) throws IOException {
        Path dir = harness.codeDir();
        if (bootstrap != null) {
            Path file = Files.writeString(dir.resolve("bootstrap"), bootstrap);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return dir;
    }

    private static InvokeOutcome invoke(FunctionPool pool, String payload) throws Exception {
        return PoolHarness.invoke(pool, payload, ARN);
    }
}
