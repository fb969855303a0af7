package io.kindling.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Real sandboxes on pre-created slots: the function's limits are written at the start, the slot's listener is the
 * sandbox's own port 9001, a slot serves one sandbox and goes with it, and unused slots go with the pool.
 */
class PrecreatedSandboxTest extends SandboxTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String TALKS_TO_9001 = """
            #!/bin/bash
            exec 3<>/dev/tcp/127.0.0.1/9001 || exit 9
            echo "I am $NAME" >&3
            exec sleep 1000
            """;

    @Test
    void aColdStartTakesASlotAndGetsTheFunctionsLimits() throws Exception {
        harness.driver.precreate(2);
        await(() -> harness.driver.precreated() >= 1);
        var started = harness.start(harness.spec("limited", "#!/bin/sh\necho up\nexec sleep 1000\n")
                .limits(new SandboxLimits(96L << 20, 8L << 20, 77, 512, OptionalDouble.of(0.5))));
        started.output().awaitLine("up", TIMEOUT);
        SandboxStartTimes times = started.sandbox().startTimes();
        assertThat(times.pooled()).isTrue();
        assertThat(times.scratch().plus(times.cgroup()).plus(times.network())).isZero();
        String slot = started.sandbox().networkNamespace().substring(harness.prefix.length() + 1);
        assertThat(slot).startsWith("pool.");
        Path memory = Path.of("/sys/fs/cgroup/memory", harness.prefix, slot);
        assertThat(read(memory.resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(96L << 20));
        assertThat(read(memory.resolve("memory.memsw.limit_in_bytes"))).isEqualTo(Long.toString(96L << 20));
        assertThat(read(Path.of("/sys/fs/cgroup/pids", harness.prefix, slot, "pids.max"))).isEqualTo("77");
        assertThat(read(Path.of("/sys/fs/cgroup/cpu", harness.prefix, slot, "cpu.shares"))).isEqualTo("512");
        assertThat(read(Path.of("/sys/fs/cgroup/cpu", harness.prefix, slot, "cpu.cfs_quota_us"))).isEqualTo("50000");
        // Every process of the sandbox is in the slot's cgroup.
        String cgroups = Files.readString(Path.of("/proc", Long.toString(started.sandbox().pid()), "cgroup"));
        assertThat(cgroups).contains(":memory:/" + harness.prefix + "/" + slot + "\n");
    }

    @Test
    void aSlotsListenerIsTheSandboxsOwnPort9001AndTwoSlotsNeverMeet() throws Exception {
        harness.driver.precreate(2);
        await(() -> harness.driver.precreated() >= 1);
        var a = harness.start(harness.spec("twin-a", TALKS_TO_9001).env("NAME", "a"));
        await(() -> harness.driver.precreated() >= 1);
        var b = harness.start(harness.spec("twin-b", TALKS_TO_9001).env("NAME", "b"));
        assertThat(a.sandbox().startTimes().pooled()).isTrue();
        assertThat(b.sandbox().startTimes().pooled()).isTrue();
        assertThat(a.sandbox().networkNamespace()).isNotEqualTo(b.sandbox().networkNamespace());
        assertThat(readLine(b.sandbox())).isEqualTo("I am b");
        assertThat(readLine(a.sandbox())).isEqualTo("I am a");
    }

    @Test
    void aSlotServesOneSandboxAndGoesWithIt() throws Exception {
        harness.driver.precreate(1);
        await(() -> harness.driver.precreated() == 1);
        var first = harness.start("first", "#!/bin/sh\necho up\nexec sleep 1000\n");
        first.output().awaitLine("up", TIMEOUT);
        String namespace = first.sandbox().networkNamespace();
        Path scratch = first.sandbox().scratchDirectory();
        List<Path> cgroups = first.sandbox().cgroupDirectories();
        first.sandbox().close();
        assertThat(SandboxHarness.run("ip", "netns", "list")).doesNotContain(namespace);
        assertThat(scratch).doesNotExist();
        assertThat(cgroups).allSatisfy(dir -> assertThat(dir).doesNotExist());

        await(() -> harness.driver.precreated() == 1);
        var second = harness.start("second", "#!/bin/sh\necho up\nexec sleep 1000\n");
        second.output().awaitLine("up", TIMEOUT);
        assertThat(second.sandbox().startTimes().pooled()).isTrue();
        assertThat(second.sandbox().networkNamespace()).isNotEqualTo(namespace);
    }

    @Test
    void theCpuCapCanWaitUntilInitIsDone() throws Exception {
        var started = harness.track(harness.driver.start(harness.spec("boost", "#!/bin/sh\necho up\nexec sleep 1000\n")
                .limits(new SandboxLimits(128L << 20, 8L << 20, 64, 512, OptionalDouble.of(0.25)))
                .output(OutputSink.discard()).build(), SandboxDriver.CpuCap.AFTER_INIT));
        Path quota = Path.of("/sys/fs/cgroup/cpu", harness.prefix, "boost", "cpu.cfs_quota_us");
        assertThat(read(quota)).isEqualTo("-1");
        assertThat(read(Path.of("/sys/fs/cgroup/cpu", harness.prefix, "boost", "cpu.shares"))).isEqualTo("512");
        started.initDone();
        assertThat(read(quota)).isEqualTo("25000");
        started.initDone(); // once only: a later call changes nothing
        assertThat(read(quota)).isEqualTo("25000");
    }

    @Test
    void leftoverCleanupSparesLiveSlotsAndStoppingThePoolRemovesThem() throws Exception {
        harness.driver.precreate(3);
        await(() -> harness.driver.precreated() >= 1);
        harness.driver.cleanLeftovers();
        var started = harness.start("after-cleanup", TALKS_TO_9001.replace("$NAME", "alive"));
        assertThat(started.sandbox().startTimes().pooled()).isTrue();
        assertThat(readLine(started.sandbox())).isEqualTo("I am alive");

        await(() -> harness.driver.precreated() >= 1);
        harness.driver.stopPrecreating();
        // Only the slot of the sandbox still running is left.
        String inUse = started.sandbox().networkNamespace();
        assertThat(SandboxHarness.run("ip", "netns", "list").lines()
                .filter(line -> line.startsWith(harness.prefix + "-pool.")).map(line -> line.split(" ")[0]))
                .containsExactly(inUse);
        // The slot's scratch directory was renamed after the sandbox that took it.
        assertThat(started.sandbox().scratchDirectory().getFileName().toString())
                .isEqualTo(harness.prefix + "-after-cleanup");
        try (var scratch = Files.list(harness.workDir.resolve("scratch"))) {
            assertThat(scratch.map(p -> p.getFileName().toString()).filter(n -> n.contains("pool."))).isEmpty();
        }
        try (var cgroups = Files.list(Path.of("/sys/fs/cgroup/memory", harness.prefix))) {
            assertThat(cgroups.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("pool.")))
                    .containsExactly(inUse.substring(harness.prefix.length() + 1));
        }
        // Without the pool, starts make their own again.
        var made = harness.start("made", "#!/bin/sh\necho up\nexec sleep 1000\n");
        assertThat(made.sandbox().startTimes().pooled()).isFalse();
    }

    private static String read(Path file) throws Exception {
        return Files.readString(file).strip();
    }

    private static String readLine(Sandbox sandbox) throws Exception {
        try (SocketChannel api = SandboxIsolationTest.accept(sandbox)) {
            return new BufferedReader(new InputStreamReader(Channels.newInputStream(api), StandardCharsets.UTF_8)).readLine();
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("condition not met within %s", TIMEOUT).isNegative();
            Thread.sleep(5);
        }
    }
}
