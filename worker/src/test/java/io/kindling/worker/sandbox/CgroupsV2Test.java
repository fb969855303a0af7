package io.kindling.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalDouble;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cgroup v2 file writes against a directory laid out like a cgroup2 mount. This host mounts v1
 * (its cgroup2 at /sys/fs/cgroup/unified has no controllers), so the kernel side cannot be run here;
 * what the driver writes and how it reads the kernel's answers can.
 */
class CgroupsV2Test {
    private static final Duration SHORT = Duration.ofMillis(200);

    @TempDir
    Path root;

    @BeforeEach
    void layOutLikeCgroup2() throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
        Files.writeString(root.resolve("cgroup.subtree_control"), "memory\n");
        Files.createDirectories(root.resolve("kindling"));
        // Present in the parent when swap accounting is on; the driver decides from it.
        Files.writeString(root.resolve("kindling/memory.swap.max"), "max\n");
    }

    @Test
    void detectsV2ByTheRootsControllersFile() throws Exception {
        assertThat(Cgroups.detect(root, "kindling")).isInstanceOf(CgroupsV2.class);
        assertThat(Cgroups.detect(root, "kindling").version()).isEqualTo("v2");
    }

    @Test
    void createDelegatesControllersAndWritesTheLimits() throws Exception {
        SandboxCgroup cgroup = new CgroupsV2(root, "kindling").create("fn-1", new SandboxLimits(256L << 20, 512L << 20, 1024, 1024,
                OptionalDouble.of(1.5)));
        Path dir = root.resolve("kindling/fn-1");

        // Only the controllers not yet enabled, in one write (the kernel takes a list).
        assertThat(Files.readString(root.resolve("cgroup.subtree_control"))).isEqualTo("+cpu +pids");
        assertThat(Files.readString(root.resolve("kindling/cgroup.subtree_control"))).isEqualTo("+cpu +memory +pids");
        assertThat(Files.readString(dir.resolve("memory.max"))).isEqualTo(Long.toString(256L << 20));
        assertThat(Files.readString(dir.resolve("memory.swap.max"))).isEqualTo("0");
        assertThat(Files.readString(dir.resolve("pids.max"))).isEqualTo("1024");
        assertThat(Files.readString(dir.resolve("cpu.weight"))).isEqualTo("39");
        assertThat(Files.readString(dir.resolve("cpu.max"))).isEqualTo("150000 100000");
        assertThat(cgroup.membershipFiles()).containsExactly(dir.resolve("cgroup.procs"));
        assertThat(cgroup.directories()).containsExactly(dir);
    }

    @Test
    void noSwapLimitWithoutSwapAccountingAndNoCapWithoutCores() throws Exception {
        Files.delete(root.resolve("kindling/memory.swap.max"));
        new CgroupsV2(root, "kindling").create("fn-2", new SandboxLimits(128L << 20, 512L << 20, 64, 2, OptionalDouble.empty()));
        Path dir = root.resolve("kindling/fn-2");
        assertThat(dir.resolve("memory.swap.max")).doesNotExist();
        assertThat(dir.resolve("cpu.max")).doesNotExist();
        assertThat(Files.readString(dir.resolve("cpu.weight"))).isEqualTo("1");
    }

    @Test
    void anExistingCgroupIsALeftoverNotReused() throws Exception {
        Files.createDirectories(root.resolve("kindling/fn-3"));
        assertThatThrownBy(() -> new CgroupsV2(root, "kindling").create("fn-3", SandboxLimits.lambda(128, 512)))
                .isInstanceOf(SandboxException.CgroupFailed.class)
                .hasMessageContaining("leftover");
    }

    @Test
    void freezeWritesCgroupFreezeAndWaitsForCgroupEvents() throws Exception {
        SandboxCgroup cgroup = new CgroupsV2(root, "kindling").create("fn-4", SandboxLimits.lambda(128, 512));
        Path dir = root.resolve("kindling/fn-4");

        Files.writeString(dir.resolve("cgroup.events"), "populated 1\nfrozen 1\n");
        cgroup.freeze(SHORT);
        assertThat(Files.readString(dir.resolve("cgroup.freeze"))).isEqualTo("1");
        assertThat(cgroup.frozen()).isTrue();

        Files.writeString(dir.resolve("cgroup.events"), "populated 1\nfrozen 0\n");
        cgroup.thaw(SHORT);
        assertThat(Files.readString(dir.resolve("cgroup.freeze"))).isEqualTo("0");
        assertThat(cgroup.frozen()).isFalse();

        // The kernel never confirmed: a typed failure, not a hang.
        assertThatThrownBy(() -> cgroup.freeze(SHORT)).isInstanceOf(SandboxException.CgroupFailed.class).hasMessageContaining("frozen 1");
    }

    @Test
    void oomKillsAndUsageAreReadFromTheKernelsFiles() throws Exception {
        SandboxCgroup cgroup = new CgroupsV2(root, "kindling").create("fn-5", SandboxLimits.lambda(128, 512));
        Path dir = root.resolve("kindling/fn-5");
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\noom_group_kill 0\n");
        assertThat(cgroup.oomKilled()).isFalse();
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 40\noom 2\noom_kill 1\noom_group_kill 0\n");
        assertThat(cgroup.oomKilled()).isTrue();

        Files.writeString(dir.resolve("memory.current"), "1048576\n");
        Files.writeString(dir.resolve("memory.peak"), "4194304\n");
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
        Files.writeString(dir.resolve("pids.current"), "3\n");
        assertThat(cgroup.usage()).isEqualTo(new ResourceUsage(1 << 20, 4 << 20, Duration.ofNanos(2_500_000), 3));

        Files.delete(dir.resolve("memory.peak")); // kernels before 5.19
        assertThat(cgroup.usage().peakMemoryBytes()).isEqualTo(1 << 20);
    }

    @Test
    void killUsesCgroupKillWhenTheKernelHasIt() throws Exception {
        SandboxCgroup cgroup = new CgroupsV2(root, "kindling").create("fn-6", SandboxLimits.lambda(128, 512));
        Path dir = root.resolve("kindling/fn-6");
        Files.writeString(dir.resolve("cgroup.kill"), "");
        cgroup.killAll();
        assertThat(Files.readString(dir.resolve("cgroup.kill"))).isEqualTo("1");
    }

    @Test
    void existingListsEverySandboxUnderThePrefix() throws Exception {
        CgroupsV2 cgroups = new CgroupsV2(root, "kindling");
        cgroups.create("a", SandboxLimits.lambda(128, 512));
        cgroups.create("b", SandboxLimits.lambda(128, 512));
        assertThat(cgroups.existing()).extracting(SandboxCgroup::id).containsExactlyInAnyOrder("a", "b");
        assertThat(new CgroupsV2(root, "other").existing()).isEmpty();
    }
}
