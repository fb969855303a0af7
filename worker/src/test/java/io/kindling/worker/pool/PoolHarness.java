package io.kindling.worker.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.assignment.LifecycleSettings;
import io.kindling.chunks.FileTrees;
import io.kindling.worker.logs.FunctionLogs;
import io.kindling.worker.logs.LogEvent;
import io.kindling.worker.logs.LogPage;
import io.kindling.worker.runtimeapi.RuntimeApiServer;
import io.kindling.worker.sandbox.BubblewrapConfig;
import io.kindling.worker.sandbox.BubblewrapDriver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A worker for pool tests, over real sandboxes: a driver with a test-only name prefix (so cleanLeftovers() only ever
 * touches this test's sandboxes), a Runtime API server, a timer thread, world-readable code directories, and every
 * pool it made, all closed and removed by {@link #close()}. Needs root and bwrap; never skips.
 */
final class PoolHarness implements AutoCloseable {
    static final long WAIT_SECONDS = 20;
    /** Reports an init error and exits, as a runtime that cannot load its handler does. */
    static final String INIT_ERROR_BOOTSTRAP = """
            #!/bin/sh
            curl -sS -f -o /dev/null -H "Lambda-Runtime-Function-Error-Type: Runtime.NoConfig" \\
              --data-binary '{"errorMessage":"config missing","errorType":"Runtime.NoConfig"}' \\
              "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/init/error"
            exit 1
            """;

    final String prefix;
    final Path workDir;
    final BubblewrapDriver driver;
    final RuntimeApiServer runtimeApi;
    final ScheduledExecutorService timers;
    final FunctionLogs logs;
    private final List<FunctionPool> pools = new ArrayList<>();
    private final List<FunctionPools> workers = new ArrayList<>();
    private int directories;

    PoolHarness() throws Exception {
        // A failure, never a skip: bin/test, run as root, installs what these tests need.
        assertTrue(isRoot(), "pool tests need root (network namespaces, cgroups): run bin/test as root");
        assertTrue(Files.isExecutable(Path.of("/usr/bin/bwrap")), "bubblewrap is not installed: run bin/test as root");
        prefix = "kindling-t" + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36 * 36), 36)
                .toLowerCase(Locale.ROOT);
        // Not @TempDir: that is 0700, and the sandbox uid must reach the code and scratch directories.
        workDir = Files.createTempDirectory(Path.of("/tmp"), prefix + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        driver = BubblewrapDriver.create(BubblewrapConfig.defaults().withNamePrefix(prefix)
                .withScratchRoot(workDir.resolve("scratch")));
        runtimeApi = RuntimeApiServer.start();
        timers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("pool-test-timers").daemon().factory());
        logs = FunctionLogs.open(workDir.resolve("logs"));
    }

    /** A fresh world-readable directory (0755) for a function's code. */
    Path codeDir() throws IOException {
        Path dir = workDir.resolve("code-" + (++directories));
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    /** A pool closed by {@link #close()}, with a memory cap no test reaches. */
    FunctionPool pool(FunctionVersionSpec function, LifecycleSettings settings) {
        return pool(function, context(settings, new MemoryBudget(8L << 30)));
    }

    /** What pools of one worker share; give several pools one context to share its memory cap. */
    EnvironmentContext context(LifecycleSettings settings, MemoryBudget memory) {
        return new EnvironmentContext(driver, runtimeApi, timers, settings, Clock.systemUTC(), logs, memory);
    }

    /** A pool closed by {@link #close()}. */
    FunctionPool pool(FunctionVersionSpec function, EnvironmentContext context) {
        FunctionPool pool = new FunctionPool(function, context, "p" + pools.size());
        pools.add(pool);
        return pool;
    }

    /** A worker's pools over {@code context}, closed by {@link #close()}. */
    FunctionPools pools(EnvironmentContext context) {
        FunctionPools worker = new FunctionPools(context);
        workers.add(worker);
        return worker;
    }

    /** As {@link #awaitLogLine}, once {@code line} is there {@code times} times (e.g. once per environment's init). */
    List<String> awaitLogLines(String function, String line, int times) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (true) {
            LogPage page = logs.tail(function, 1000);
            List<String> lines = page.events().stream().map(LogEvent::message).toList();
            if (lines.stream().filter(line::equals).count() >= times) {
                return lines;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("the log never got \"" + line + "\" " + times + " times: " + lines);
            }
            logs.awaitAppend(function, page.next(), Duration.ofNanos(left)).get(WAIT_SECONDS + 1, TimeUnit.SECONDS);
        }
    }

    /**
     * The function's stored log lines once one of them is {@code line}: output reaches the log through a pipe and a
     * copying thread, so it may trail the answer. Waits on the store's append signal, never sleeps.
     */
    List<String> awaitLogLine(String function, String line) throws Exception {
        return awaitLogLines(function, line, 1);
    }

    static InvokeOutcome invoke(FunctionPool pool, String payload, String arn) throws Exception {
        return pool.invoke(payload.getBytes(StandardCharsets.UTF_8), arn).get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    static String text(InvokeOutcome outcome) {
        assertThat(outcome).isInstanceOf(InvokeOutcome.Response.class);
        return new String(((InvokeOutcome.Response) outcome).body(), StandardCharsets.UTF_8);
    }

    static InvokeOutcome.FunctionFailure failure(InvokeOutcome outcome) {
        assertThat(outcome).isInstanceOf(InvokeOutcome.FunctionFailure.class);
        return (InvokeOutcome.FunctionFailure) outcome;
    }

    /** Cgroup directories of a sandbox in any hierarchy (v1 controllers or the unified one). */
    List<Path> cgroupsNamed(String sandboxId) throws IOException {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path hierarchy : hierarchies.toList()) {
                Path candidate = hierarchy.resolve(prefix).resolve(sandboxId);
                if (Files.exists(candidate)) {
                    found.add(candidate);
                }
            }
        }
        return found;
    }

    static String run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
        return out;
    }

    @Override
    public void close() throws Exception {
        try {
            for (FunctionPools worker : workers) {
                worker.close(Duration.ofSeconds(WAIT_SECONDS));
            }
            for (FunctionPool pool : pools) {
                pool.close(Duration.ofSeconds(WAIT_SECONDS));
            }
        } finally {
            runtimeApi.close();
            timers.shutdownNow();
            logs.close();
            driver.stopPrecreating();
            driver.cleanLeftovers();
            FileTrees.deleteRecursively(workDir);
            removeCgroupParents();
        }
    }

    private void removeCgroupParents() throws IOException {
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path hierarchy : hierarchies.toList()) {
                try {
                    Files.deleteIfExists(hierarchy.resolve(prefix));
                } catch (IOException notEmptyOrNotACgroup) {
                    // cleanLeftovers() already reported anything it could not remove.
                }
            }
        }
    }

    private static boolean isRoot() {
        try {
            return Files.readString(Path.of("/proc/self/status")).lines()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }
}
