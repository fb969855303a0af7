package io.kindling.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Limits enforced by the cgroups, on real sandboxes: memory, processes, freezing, CPU accounting. */
class SandboxResourcesTest extends SandboxTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern TICK = Pattern.compile("tick (\\d+)");


    @Test
    void everyProcessIsInTheSandboxCgroupsFromItsFirstInstruction() throws Exception {
        var started = harness.start("member", "#!/bin/sh\necho up\nexec sleep 1000\n");
        started.output().awaitLine("up", TIMEOUT);
        String expected = harness.prefix + "/member";
        var tree = new java.util.ArrayList<Long>();
        tree.add(started.sandbox().pid());
        ProcessHandle.of(started.sandbox().pid()).orElseThrow().descendants().forEach(p -> tree.add(p.pid()));
        assertThat(tree).hasSize(3); // bwrap monitor, bwrap init, the function
        for (long pid : tree) {
            String cgroups = Files.readString(Path.of("/proc", Long.toString(pid), "cgroup"));
            for (String controller : new String[] {"memory", "pids", "cpu", "freezer"}) {
                assertThat(cgroups).as("pid %d, %s", pid, controller).containsPattern(":" + controller + "(,[a-z]+)*:/" + Pattern.quote(expected) + "\n");
            }
        }
        // The launcher's pid is bwrap's: it joined, then exec'd nsenter and bwrap.
        assertThat(Files.readString(Path.of("/proc", Long.toString(started.sandbox().pid()), "comm")).strip()).isEqualTo("bwrap");
    }

    @Test
    void limitsAreWrittenToTheCgroupFiles() throws Exception {
        var started = harness.start(harness.spec("limits", "#!/bin/sh\nexec sleep 1000\n")
                .limits(new SandboxLimits(96L << 20, 8L << 20, 77, 512, OptionalDouble.of(0.5))));
        Path memory = Path.of("/sys/fs/cgroup/memory", harness.prefix, "limits");
        assertThat(read(memory.resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(96L << 20));
        assertThat(read(memory.resolve("memory.memsw.limit_in_bytes"))).isEqualTo(Long.toString(96L << 20));
        assertThat(read(Path.of("/sys/fs/cgroup/pids", harness.prefix, "limits", "pids.max"))).isEqualTo("77");
        assertThat(read(Path.of("/sys/fs/cgroup/cpu", harness.prefix, "limits", "cpu.shares"))).isEqualTo("512");
        assertThat(read(Path.of("/sys/fs/cgroup/cpu", harness.prefix, "limits", "cpu.cfs_quota_us"))).isEqualTo("50000");
        assertThat(started.sandbox().cgroupDirectories()).allSatisfy(d -> assertThat(d).exists());
    }

    @Test
    void allocatingBeyondTheMemoryLimitIsOomKilledAndReported() throws Exception {
        var started = harness.start(harness.spec("oom", """
                #!/bin/sh
                echo start
                # tail keeps its input until it has seen ten lines; /dev/zero has none.
                head -c 300M /dev/zero | tail > /dev/null
                exit $?
                """).limits(new SandboxLimits(64L << 20, 4L << 20, 64, 1024, OptionalDouble.empty())));
        ExitStatus status = started.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(status.oomKilled()).isTrue();
        assertThat(status.exitCode()).isEqualTo(137);
        assertThat(status.signal()).hasValue(9);
    }

    @Test
    void aSandboxWithinItsLimitIsNotReportedOomKilled() throws Exception {
        var started = harness.start(harness.spec("fits", """
                #!/bin/sh
                head -c 16M /dev/zero | tail > /dev/null
                exit 3
                """).limits(new SandboxLimits(64L << 20, 4L << 20, 64, 1024, OptionalDouble.empty())));
        ExitStatus status = started.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(status).isEqualTo(new ExitStatus(3, java.util.OptionalInt.empty(), false));
    }

    @Test
    void aForkLoopStopsAtMaxPids() throws Exception {
        int maxPids = 16;
        var started = harness.start(harness.spec("forks", """
                #!/bin/sh
                n=0
                while [ $n -lt 100 ]; do
                  sleep 1000 &
                  n=$((n + 1))
                  echo "started $n"
                done
                echo "all started"
                """).limits(new SandboxLimits(128L << 20, 4L << 20, maxPids, 1024, OptionalDouble.empty())));
        ExitStatus status = started.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        String out = started.output().text();
        assertThat(out).doesNotContain("all started").contains("Cannot fork");
        assertThat(status.exitCode()).isNotZero();
        // bwrap's monitor and init and the shell hold three of the sixteen.
        assertThat(out).contains("started " + (maxPids - 3) + "\n").doesNotContain("started " + (maxPids - 2) + "\n");
        long rejected = Long.parseLong(read(Path.of("/sys/fs/cgroup/pids", harness.prefix, "forks", "pids.events")).split("\\s+")[1]);
        assertThat(rejected).isPositive();
    }

    @Test
    void aFrozenSandboxStopsAndAThawedOneGoesOn() throws Exception {
        var started = harness.start("freeze", """
                #!/bin/sh
                i=0
                while :; do i=$((i + 1)); echo "tick $i"; sleep 0.01; done
                """);
        var sandbox = started.sandbox();
        started.output().await(t -> lastTick(t) >= 3, TIMEOUT);

        sandbox.freeze();
        assertThat(sandbox.frozen()).isTrue();
        assertThat(read(Path.of("/sys/fs/cgroup/freezer", harness.prefix, "freeze", "freezer.state"))).isEqualTo("FROZEN");
        int atFreeze = lastTick(started.output().text());
        // An observation window, not synchronisation: unfrozen, the loop would print ~50 ticks in it.
        // One line may still have been in the pipe when the freezer stopped the writer.
        assertThat(waitForMoreTicks(started.output(), atFreeze + 1, Duration.ofMillis(500))).isFalse();

        sandbox.thaw();
        assertThat(sandbox.frozen()).isFalse();
        started.output().await(t -> lastTick(t) >= atFreeze + 5, TIMEOUT);
        assertThat(sandbox.usage().cpuTime()).isPositive();
    }

    @Test
    void usageReportsMemoryAndProcesses() throws Exception {
        var started = harness.start("usage", """
                #!/bin/sh
                head -c 12M /dev/zero > /tmp/twelve
                echo written
                exec sleep 1000
                """);
        started.output().awaitLine("written", TIMEOUT);
        ResourceUsage usage = started.sandbox().usage();
        // /tmp is tmpfs: its pages are charged to the sandbox's memory cgroup.
        assertThat(usage.memoryBytes()).isGreaterThan(12L << 20);
        assertThat(usage.peakMemoryBytes()).isGreaterThanOrEqualTo(usage.memoryBytes());
        assertThat(usage.processes()).isEqualTo(3);
    }

    private static boolean waitForMoreTicks(CapturedOutput output, int beyond, Duration window) throws InterruptedException {
        try {
            output.await(t -> lastTick(t) > beyond, window);
            return true;
        } catch (AssertionError expected) {
            return false;
        }
    }

    private static int lastTick(String text) {
        Matcher m = TICK.matcher(text);
        int last = 0;
        while (m.find()) {
            last = Integer.parseInt(m.group(1));
        }
        return last;
    }

    private static String read(Path file) throws Exception {
        return Files.readString(file).strip();
    }
}
