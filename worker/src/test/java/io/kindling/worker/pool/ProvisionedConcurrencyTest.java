package io.kindling.worker.pool;

import static io.kindling.worker.pool.PoolHarness.WAIT_SECONDS;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Provisioned concurrency over real bubblewrap sandboxes, through {@link FunctionPools#provision}. Needs root, bwrap
 * and curl (bin/test provides them).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProvisionedConcurrencyTest extends PoolTest {
    private static final String ARN = "arn:aws:lambda:eu-west-1:123456789012:function:provisioned:1";
    /** Never frozen (the freeze delay reaches the idle timeout): a frozen process cannot be killed on cgroup v1. */
    private static final LifecycleSettings NEVER_FROZEN = new LifecycleSettings(Duration.ofMinutes(10),
            Duration.ofMinutes(10), Duration.ofMillis(300));

    /**
     * Logs its initialization type at init, then answers every invocation with that type and how many invocations
     * it has had. "hold-X" holds the invocation until the test creates release-X in the (live, read-only) code
     * directory, so a test decides which environment is busy when.
     */
    private static final String BOOTSTRAP = """
            #!/bin/sh
            set -eu
            API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01"
            echo "init $AWS_LAMBDA_INITIALIZATION_TYPE"
            COUNT=0
            while true; do
              curl -sS -f -o /tmp/event -D /tmp/headers "$API/runtime/invocation/next"
              REQUEST_ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' /tmp/headers | cut -d' ' -f2 | tr -d '\\r\\n')
              COUNT=$((COUNT + 1))
              EVENT=$(cat /tmp/event)
              case "$EVENT" in
                hold-*) while [ ! -e "/var/task/release-${EVENT#hold-}" ]; do sleep 0.05; done ;;
              esac
              printf '%s %s' "$AWS_LAMBDA_INITIALIZATION_TYPE" "$COUNT" > /tmp/event
              curl -sS -f -o /dev/null --data-binary @/tmp/event "$API/runtime/invocation/$REQUEST_ID/response"
            done
            """;

    @BeforeEach
    void needsCurl() {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "the bootstraps need curl: run bin/test as root");
    }

    @Test
    void provisioningInitializesTheEnvironmentsBeforeAnyInvoke() throws Exception {
        FunctionPools pools = pools(LifecycleSettings.DEFAULTS, 8L << 30);
        FunctionVersionSpec function = function("provisioned", BOOTSTRAP);
        Statuses statuses = new Statuses();

        pools.provision(function, 2, statuses);

        statuses.await(s -> s instanceof ProvisionStatus.Ready r && r.requested() == 2);
        assertThat(statuses.all().getFirst()).isEqualTo(new ProvisionStatus.InProgress(0, 2));
        assertThat(pools.environments()).hasSize(2).allSatisfy(e -> {
            assertThat(e.isProvisioned()).isTrue();
            assertThat(e.state().kind().acceptsInvocations()).as("initialized: %s", e.state()).isTrue();
        });
        harness.awaitLogLines("provisioned", "init provisioned-concurrency", 2);

        InvokeOutcome first = invoke(pools, function, "{}");

        assertThat(text(first)).as("a provisioned environment's first invocation").isEqualTo("provisioned-concurrency 1");
        assertThat(first.logTail().text()).as("warm: its init was not this invoke's").doesNotContain("Init Duration");
        assertThat(pools.environments()).hasSize(2);
    }

    @Test
    void invokesTakeAnIdleProvisionedEnvironmentBeforeAMoreRecentlyUsedOnDemandOne() throws Exception {
        FunctionPools pools = pools(NEVER_FROZEN, 8L << 30);
        FunctionVersionSpec function = function("provisioned", BOOTSTRAP);
        Statuses statuses = new Statuses();
        pools.provision(function, 1, statuses);
        statuses.await(s -> s instanceof ProvisionStatus.Ready r && r.requested() == 1);
        ExecutionEnvironment provisioned = pools.environments().getFirst();

        CompletableFuture<InvokeOutcome> onProvisioned = invokeAsync(pools, function, "hold-a");
        provisioned.reaches(s -> s instanceof EnvironmentState.Busy).get(WAIT_SECONDS, TimeUnit.SECONDS);
        // The provisioned one is busy, so not available: this one cold-starts an on-demand environment.
        CompletableFuture<InvokeOutcome> onDemandCold = invokeAsync(pools, function, "hold-b");
        ExecutionEnvironment onDemand = awaitEnvironment(pools, e -> !e.isProvisioned());
        release(function, "a");
        assertThat(text(onProvisioned.get(WAIT_SECONDS, TimeUnit.SECONDS))).isEqualTo("provisioned-concurrency 1");
        provisioned.settled().get(WAIT_SECONDS, TimeUnit.SECONDS);
        release(function, "b");
        assertThat(text(onDemandCold.get(WAIT_SECONDS, TimeUnit.SECONDS))).isEqualTo("on-demand 1");
        onDemand.settled().get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(lastUsed(onDemand)).as("the on-demand environment is the most recently used")
                .isAfter(lastUsed(provisioned));

        assertThat(text(invoke(pools, function, "{}"))).isEqualTo("provisioned-concurrency 2");
        assertThat(harness.awaitLogLine("provisioned", "init on-demand")).contains("init provisioned-concurrency");
    }

    @Test
    void aKilledProvisionedEnvironmentIsReplaced() throws Exception {
        FunctionPools pools = pools(NEVER_FROZEN, 8L << 30);
        FunctionVersionSpec function = function("provisioned", BOOTSTRAP);
        Statuses statuses = new Statuses();
        pools.provision(function, 1, statuses);
        statuses.await(s -> s instanceof ProvisionStatus.Ready);
        ExecutionEnvironment killed = pools.environments().getFirst();
        int seen = statuses.all().size();

        killProcesses(killed);

        assertThat(killed.gone().get(WAIT_SECONDS, TimeUnit.SECONDS).reason())
                .isEqualTo(EnvironmentState.Reason.RUNTIME_EXIT);
        statuses.await(seen, s -> s instanceof ProvisionStatus.Ready);
        assertThat(statuses.all().subList(seen, statuses.all().size()))
                .as("down one, then back").startsWith(new ProvisionStatus.InProgress(0, 1));
        ExecutionEnvironment replacement = pools.environments().getFirst();
        assertThat(pools.environments()).hasSize(1);
        assertThat(replacement.id()).isNotEqualTo(killed.id());
        assertThat(replacement.isProvisioned()).isTrue();
        assertThat(text(invoke(pools, function, "{}"))).isEqualTo("provisioned-concurrency 1");
    }

    @Test
    void countZeroRemovesThemAndABusyOneFinishesItsInvocationFirst() throws Exception {
        FunctionPools pools = pools(LifecycleSettings.DEFAULTS, 8L << 30);
        FunctionVersionSpec function = function("provisioned", BOOTSTRAP);
        Statuses statuses = new Statuses();
        pools.provision(function, 2, statuses);
        statuses.await(s -> s instanceof ProvisionStatus.Ready r && r.requested() == 2);
        List<ExecutionEnvironment> both = pools.environments();
        CompletableFuture<InvokeOutcome> held = invokeAsync(pools, function, "hold-a");
        ExecutionEnvironment busy = awaitEnvironment(pools, e -> e.state() instanceof EnvironmentState.Busy);
        ExecutionEnvironment idle = both.stream().filter(e -> e != busy).findFirst().orElseThrow();

        pools.provision(function, 0, statuses);

        statuses.await(s -> s.equals(new ProvisionStatus.Ready(0)));
        assertThat(idle.gone().get(WAIT_SECONDS, TimeUnit.SECONDS).reason()).isEqualTo(EnvironmentState.Reason.SHUTDOWN);
        assertThat(held).as("the busy one keeps its invocation").isNotDone();
        assertThat(busy.gone()).isNotDone();
        release(function, "a");
        assertThat(text(held.get(WAIT_SECONDS, TimeUnit.SECONDS))).isEqualTo("provisioned-concurrency 1");
        assertThat(busy.gone().get(WAIT_SECONDS, TimeUnit.SECONDS).reason()).isEqualTo(EnvironmentState.Reason.SHUTDOWN);
        assertThat(pools.environments()).as("not replaced").isEmpty();
    }

    @Test
    void askingAgainAdjustsTheCountKeepingThoseAlreadyReady() throws Exception {
        FunctionPools pools = pools(LifecycleSettings.DEFAULTS, 8L << 30);
        FunctionVersionSpec function = function("provisioned", BOOTSTRAP);
        Statuses statuses = new Statuses();
        pools.provision(function, 1, statuses);
        statuses.await(s -> s.equals(new ProvisionStatus.Ready(1)));
        ExecutionEnvironment first = pools.environments().getFirst();

        pools.provision(function, 3, statuses);
        statuses.await(s -> s.equals(new ProvisionStatus.Ready(3)));
        assertThat(pools.environments()).hasSize(3).contains(first).allMatch(ExecutionEnvironment::isProvisioned);

        List<ExecutionEnvironment> three = pools.environments();

        pools.provision(function, 2, statuses);

        statuses.await(s -> s.equals(new ProvisionStatus.Ready(2)));
        Object removed = CompletableFuture.anyOf(three.stream().map(ExecutionEnvironment::gone)
                .toArray(CompletableFuture[]::new)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(removed).isEqualTo(new EnvironmentState.Gone(EnvironmentState.Reason.SHUTDOWN));
        assertThat(three.stream().filter(e -> e.gone().isDone())).as("exactly one removed").hasSize(1);
        assertThat(harness.awaitLogLines("provisioned", "init provisioned-concurrency", 3))
                .as("no more inits than environments asked for")
                .filteredOn("init provisioned-concurrency"::equals).hasSize(3);
    }

    @Test
    void retiringTheFunctionRemovesItsProvisionedEnvironmentsForGood() throws Exception {
        FunctionPools pools = pools(LifecycleSettings.DEFAULTS, 8L << 30);
        FunctionVersionSpec function = function("provisioned", BOOTSTRAP);
        Statuses statuses = new Statuses();
        pools.provision(function, 1, statuses);
        statuses.await(s -> s instanceof ProvisionStatus.Ready);
        ExecutionEnvironment provisioned = pools.environments().getFirst();

        pools.retireFunction("provisioned");

        assertThat(provisioned.gone().get(WAIT_SECONDS, TimeUnit.SECONDS).reason())
                .isEqualTo(EnvironmentState.Reason.SHUTDOWN);
        assertThat(pools.environments()).as("not replaced").isEmpty();
    }

    @Test
    void anInitFailureIsReportedWithTheRuntimesReasonAndRetriedUntilItWorks() throws Exception {
        FunctionPools pools = pools(LifecycleSettings.DEFAULTS, 8L << 30);
        FunctionVersionSpec function = function("provisioned", PoolHarness.INIT_ERROR_BOOTSTRAP);
        Statuses statuses = new Statuses();

        pools.provision(function, 1, statuses);

        ProvisionStatus failed = statuses.await(s -> s instanceof ProvisionStatus.Failed);
        assertThat(failed).isInstanceOfSatisfying(ProvisionStatus.Failed.class, f -> {
            assertThat(f.reason()).isEqualTo("the function's init failed: Runtime.NoConfig: config missing");
            assertThat(f.ready()).isZero();
            assertThat(f.requested()).isEqualTo(1);
        });
        // Fixed in place: the retry (after a backoff on the timer, not a tight loop) initializes it.
        writeBootstrap(function.codeDir(), BOOTSTRAP);
        statuses.await(s -> s instanceof ProvisionStatus.Ready);
        assertThat(text(invoke(pools, function, "{}"))).isEqualTo("provisioned-concurrency 1");
    }

    @Test
    void aMemoryBudgetThatCannotAdmitThemIsAFailureWithAReason() throws Exception {
        FunctionPools pools = pools(LifecycleSettings.DEFAULTS, 128L << 20);
        FunctionVersionSpec function = function("provisioned", BOOTSTRAP);
        Statuses statuses = new Statuses();

        pools.provision(function, 2, statuses);

        ProvisionStatus failed = statuses.await(s -> s instanceof ProvisionStatus.Failed);
        assertThat(((ProvisionStatus.Failed) failed).reason()).startsWith("the worker's memory budget is exhausted: ");
        statuses.await(s -> s.ready() == 1);
        assertThat(statuses.all().getLast()).as("still failed, with the one that fits counted")
                .isInstanceOfSatisfying(ProvisionStatus.Failed.class, f -> assertThat(f.ready()).isEqualTo(1));
        assertThat(pools.environments()).hasSize(1);
        assertThat(pools.context().memory().usedBytes()).isEqualTo(128L << 20);
    }

    @Test
    void aProvisionedEnvironmentIsNeverEvictedForAnotherFunction() throws Exception {
        FunctionPools pools = pools(LifecycleSettings.DEFAULTS, 128L << 20);
        FunctionVersionSpec function = function("provisioned", BOOTSTRAP);
        Statuses statuses = new Statuses();
        pools.provision(function, 1, statuses);
        statuses.await(s -> s instanceof ProvisionStatus.Ready);
        ExecutionEnvironment provisioned = pools.environments().getFirst();

        CompletableFuture<InvokeOutcome> other = pools.invoke(function("other", BOOTSTRAP),
                InvocationInput.of("{}".getBytes(StandardCharsets.UTF_8), ARN));

        assertThat(other).failsWithin(Duration.ofSeconds(WAIT_SECONDS)).withThrowableThat()
                .havingCause().isInstanceOfSatisfying(EnvironmentUnavailable.class,
                        e -> assertThat(e.reason()).isEqualTo(EnvironmentUnavailable.Reason.NO_CAPACITY));
        assertThat(provisioned.gone()).isNotDone();
        assertThat(provisioned.state().kind().acceptsInvocations()).isTrue();
    }

    @Test
    void theIdleTimeoutDoesNotRetireAProvisionedEnvironment() throws Exception {
        LifecycleSettings shortIdle = new LifecycleSettings(Duration.ofMillis(300), Duration.ofMillis(100),
                Duration.ofMillis(300));
        FunctionPools pools = pools(shortIdle, 8L << 30);
        FunctionVersionSpec function = function("provisioned", BOOTSTRAP);
        Statuses statuses = new Statuses();
        pools.provision(function, 1, statuses);
        statuses.await(s -> s instanceof ProvisionStatus.Ready);
        ExecutionEnvironment provisioned = pools.environments().getFirst();
        EnvironmentState frozen = provisioned.reaches(s -> s instanceof EnvironmentState.Frozen)
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(frozen).isInstanceOf(EnvironmentState.Frozen.class);

        // An on-demand environment idle since after the provisioned one was: its retirement is the clock.
        FunctionVersionSpec other = function("other", BOOTSTRAP);
        assertThat(text(invoke(pools, other, "{}"))).isEqualTo("on-demand 1");
        ExecutionEnvironment onDemand = pools.environments().stream()
                .filter(e -> e.function().equals(other)).findFirst().orElseThrow();
        assertThat(onDemand.gone().get(WAIT_SECONDS, TimeUnit.SECONDS).reason())
                .isEqualTo(EnvironmentState.Reason.IDLE_TIMEOUT);

        assertThat(provisioned.state()).isInstanceOfSatisfying(EnvironmentState.Frozen.class, f -> assertThat(
                f.idleSince().plus(shortIdle.idleTimeout())).as("its idle timeout is past").isBefore(Instant.now()));
        assertThat(text(invoke(pools, function, "{}"))).isEqualTo("provisioned-concurrency 1");
        assertThat(pools.environments()).containsExactly(provisioned);
    }

    // ---- helpers ----

    /** Every status a listener got, in order, with a wait for one that matches. */
    private static final class Statuses implements ProvisionListener {
        private final List<ProvisionStatus> all = new ArrayList<>();

        @Override
        public synchronized void changed(ProvisionStatus status) {
            all.add(status);
            notifyAll();
        }

        synchronized List<ProvisionStatus> all() {
            return List.copyOf(all);
        }

        ProvisionStatus await(Predicate<ProvisionStatus> wanted) throws InterruptedException {
            return await(0, wanted);
        }

        /** The first status from index {@code from} on that {@code wanted} accepts. */
        synchronized ProvisionStatus await(int from, Predicate<ProvisionStatus> wanted) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            for (int i = from; ; ) {
                for (; i < all.size(); i++) {
                    if (wanted.test(all.get(i))) {
                        return all.get(i);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no such status; got " + all);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    private FunctionPools pools(LifecycleSettings settings, long memoryBytes) {
        return harness.pools(harness.context(settings, new MemoryBudget(memoryBytes)));
    }

    /** Version 1 of {@code name}, with {@code bootstrap}, in a fresh code directory. */
    private FunctionVersionSpec function(String name, String bootstrap) throws IOException {
        Path code = harness.codeDir();
        writeBootstrap(code, bootstrap);
        return new FunctionVersionSpec(name, "1", 128, 16, Duration.ofSeconds(10), "function.handler", "eu-west-1",
                code, Map.of(), Runtime.provided());
    }

    private static void writeBootstrap(Path code, String bootstrap) throws IOException {
        Path file = Files.writeString(code.resolve("bootstrap"), bootstrap);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Lets the invocation holding on "hold-{@code name}" answer. */
    private static void release(FunctionVersionSpec function, String name) throws IOException {
        Files.writeString(function.codeDir().resolve("release-" + name), "");
    }

    private static InvokeOutcome invoke(FunctionPools pools, FunctionVersionSpec function, String payload)
            throws Exception {
        return invokeAsync(pools, function, payload).get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static CompletableFuture<InvokeOutcome> invokeAsync(FunctionPools pools, FunctionVersionSpec function,
                                                                String payload) {
        return pools.invoke(function, InvocationInput.of(payload.getBytes(StandardCharsets.UTF_8), ARN));
    }

    /**
     * The first environment that {@code wanted} accepts: checked again on any environment's state change, and at
     * least every 100 ms, since the one wanted may not exist yet.
     */
    private static ExecutionEnvironment awaitEnvironment(FunctionPools pools, Predicate<ExecutionEnvironment> wanted)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            for (ExecutionEnvironment e : pools.environments()) {
                if (wanted.test(e)) {
                    return e;
                }
            }
            CompletableFuture.anyOf(pools.environments().stream()
                            .map(e -> e.reaches(s -> s != e.state())).toArray(CompletableFuture[]::new))
                    .completeOnTimeout(null, 100, TimeUnit.MILLISECONDS).get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        throw new AssertionError("no such environment among " + pools.environments());
    }

    private static Instant lastUsed(ExecutionEnvironment environment) {
        return switch (environment.state()) {
            case EnvironmentState.Idle idle -> idle.since();
            case EnvironmentState.Frozen frozen -> frozen.idleSince();
            default -> throw new AssertionError("not warm: " + environment);
        };
    }

    /** SIGKILL to every process of the environment's sandbox, from the host, as the kernel or an operator might. */
    private void killProcesses(ExecutionEnvironment environment) throws Exception {
        List<String> pids = new ArrayList<>();
        for (Path cgroup : harness.cgroupsNamed(environment.id())) {
            Path procs = cgroup.resolve("cgroup.procs");
            if (Files.exists(procs)) {
                pids.addAll(Files.readAllLines(procs).stream().filter(l -> !l.isBlank()).toList());
            }
        }
        assertThat(pids).as("the sandbox's processes").isNotEmpty();
        List<String> command = new ArrayList<>(List.of("kill", "-KILL"));
        command.addAll(pids.stream().distinct().toList());
        PoolHarness.run(command.toArray(String[]::new));
    }
}
