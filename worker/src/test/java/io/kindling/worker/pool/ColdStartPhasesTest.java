package io.kindling.worker.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.assignment.LifecycleSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every cold start reports its phases, on a pre-created slot or not; the REPORT line's Init Duration covers the
 * sandbox's start to the runtime's first /next; the runtime starts uncapped and runs its handler under its cap.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ColdStartPhasesTest extends PoolTest {
    private static final String ARN = "arn:aws:lambda:eu-west-1:123456789012:function:phases";
    /** Echoes each event, in the style of the AWS custom runtime tutorial. */
    private static final String ECHO_BOOTSTRAP = """
            #!/bin/sh
            set -eu
            API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01"
            while true; do
              curl -sS -f -o /tmp/event -D /tmp/headers "$API/runtime/invocation/next"
              REQUEST_ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' /tmp/headers | cut -d' ' -f2 | tr -d '\\r\\n')
              curl -sS -f -o /dev/null --data-binary @/tmp/event "$API/runtime/invocation/$REQUEST_ID/response"
            done
            """;
    private static final Pattern INIT_DURATION = Pattern.compile("Init Duration: ([0-9.]+) ms");

    private final List<ColdStartPhases> heard = new CopyOnWriteArrayList<>();

    @BeforeEach
    void needsCurl() {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "the bootstrap needs curl: run bin/test as root");
    }

    @Test
    void aColdStartOnAPrecreatedSlotReportsEveryPhase() throws Exception {
        harness.driver.precreate(2);
        awaitSlot();
        FunctionPool pool = pool();

        InvokeOutcome cold = PoolHarness.invoke(pool, "\"first\"", ARN);

        assertThat(PoolHarness.text(cold)).isEqualTo("\"first\"");
        assertThat(heard).hasSize(1);
        ColdStartPhases phases = heard.getFirst();
        assertThat(phases.sandbox().pooled()).isTrue();
        assertThat(phases.byName().keySet()).containsExactlyElementsOf(ColdStartPhases.PHASES);
        assertThat(phases.sandbox().scratch().plus(phases.sandbox().cgroup()).plus(phases.sandbox().network())).isZero();
        assertThat(phases.sandbox().spawn()).isPositive();
        assertThat(phases.runtimeInit()).isPositive();
        assertThat(phases.firstResponse()).isPositive();
        assertThat(phases.total()).isEqualTo(phases.byName().values().stream().reduce(Duration.ZERO, Duration::plus));
        // Init Duration runs from the sandbox's start to the first /next: the driver's steps and the runtime's init.
        double initMs = initDurationMs(cold);
        Duration driverAndInit = phases.sandbox().total().plus(phases.runtimeInit());
        assertThat(initMs).isGreaterThanOrEqualTo(driverAndInit.toNanos() / 1e6 - 0.01);

        // A warm invoke is no cold start.
        pool.settled().get(PoolHarness.WAIT_SECONDS, TimeUnit.SECONDS);
        PoolHarness.invoke(pool, "\"second\"", ARN);
        assertThat(heard).hasSize(1);
    }

    @Test
    void withoutThePoolASandboxMakesItsOwnAndSaysHowLongEachStepTook() throws Exception {
        FunctionPool pool = pool();

        PoolHarness.invoke(pool, "\"only\"", ARN);

        ColdStartPhases phases = heard.getFirst();
        assertThat(phases.sandbox().pooled()).isFalse();
        assertThat(phases.sandbox().scratch()).isPositive();
        assertThat(phases.sandbox().cgroup()).isPositive();
        assertThat(phases.sandbox().network()).isPositive();
    }

    @Test
    void theRuntimeInitializesUncappedAndItsHandlerRunsUnderTheCap() throws Exception {
        FunctionPool pool = pool();
        // 128 MB: 128 / 1,769 of a core.
        long capped = Math.round(128.0 / 1769 * 100_000);

        PoolHarness.invoke(pool, "\"x\"", ARN);

        // The driver's own test sees the cap held back until init is done; here it is on once the answer is in.
        assertThat(quotas()).containsExactly(Long.toString(capped));
    }

    private List<String> quotas() throws IOException {
        try (Stream<Path> cgroups = Files.list(Path.of("/sys/fs/cgroup/cpu", harness.prefix))) {
            return cgroups.filter(Files::isDirectory).map(dir -> {
                try {
                    return Files.readString(dir.resolve("cpu.cfs_quota_us")).strip();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }

    private static double initDurationMs(InvokeOutcome outcome) {
        Matcher m = INIT_DURATION.matcher(outcome.logTail().text());
        assertThat(m.find()).as("Init Duration in %s", outcome.logTail().text()).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private void awaitSlot() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PoolHarness.WAIT_SECONDS);
        while (harness.driver.precreated() < 1) {
            assertThat(System.nanoTime() - deadline).as("no slot pre-created in time").isNegative();
            Thread.sleep(5);
        }
    }

    private FunctionPool pool() throws IOException {
        Path code = harness.codeDir();
        Path bootstrap = Files.writeString(code.resolve("bootstrap"), ECHO_BOOTSTRAP, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(bootstrap, PosixFilePermissions.fromString("rwxr-xr-x"));
        FunctionVersionSpec function = new FunctionVersionSpec("phases", "$LATEST", 128, 16, Duration.ofSeconds(10),
                "function.handler", "eu-west-1", code, Map.of(), Runtime.provided());
        EnvironmentContext plain = harness.context(LifecycleSettings.DEFAULTS, new MemoryBudget(8L << 30));
        EnvironmentContext context = new EnvironmentContext(plain.driver(), plain.runtimeApi(), plain.timers(),
                plain.settings(), Clock.systemUTC(), plain.logs(), plain.memory(), (spec, phases) -> heard.add(phases));
        return harness.pool(function, context);
    }
}
