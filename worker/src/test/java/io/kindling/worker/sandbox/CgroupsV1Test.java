package io.kindling.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Finding the v1 hierarchies; the limits themselves are checked on real sandboxes (SandboxResourcesTest). */
class CgroupsV1Test {
    // This machine's /proc/self/mountinfo, cgroup lines and a few others.
    private static final String MOUNTINFO = """
            21 41 254:0 /run/netns /run/netns rw,relatime shared:1 - ext4 /dev/vda rw,discard
            30 29 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            32 30 0:28 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
            33 30 0:29 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
            34 30 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            35 30 0:31 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
            36 30 0:32 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
            37 30 0:33 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
            38 30 0:34 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            39 30 0:35 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
            40 30 0:36 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;

    @Test
    void findsEachControllersMount() throws Exception {
        CgroupsV1 cgroups = CgroupsV1.fromMountInfo(Path.of("/sys/fs/cgroup"), "kindling", MOUNTINFO);
        assertThat(cgroups.version()).isEqualTo("v1");
        SandboxCgroup probe = cgroupsDirectories(cgroups);
        assertThat(probe.membershipFiles()).containsExactly(
                Path.of("/sys/fs/cgroup/memory/kindling/x/cgroup.procs"),
                Path.of("/sys/fs/cgroup/pids/kindling/x/cgroup.procs"),
                Path.of("/sys/fs/cgroup/cpu/kindling/x/cgroup.procs"),
                Path.of("/sys/fs/cgroup/cpuacct/kindling/x/cgroup.procs"),
                Path.of("/sys/fs/cgroup/freezer/kindling/x/cgroup.procs"));
    }

    @Test
    void coMountedControllersShareOneDirectory() throws Exception {
        String systemdStyle = """
                31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
                34 30 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
                36 30 0:32 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
                38 30 0:34 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
                """;
        SandboxCgroup probe = cgroupsDirectories(CgroupsV1.fromMountInfo(Path.of("/sys/fs/cgroup"), "kindling", systemdStyle));
        assertThat(probe.directories()).containsExactly(
                Path.of("/sys/fs/cgroup/memory/kindling/x"),
                Path.of("/sys/fs/cgroup/pids/kindling/x"),
                Path.of("/sys/fs/cgroup/cpu,cpuacct/kindling/x"),
                Path.of("/sys/fs/cgroup/freezer/kindling/x"));
    }

    @Test
    void aMissingEnforcingControllerIsRefused() {
        String noFreezer = """
                34 30 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
                38 30 0:34 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
                31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
                """;
        assertThatThrownBy(() -> CgroupsV1.fromMountInfo(Path.of("/sys/fs/cgroup"), "kindling", noFreezer))
                .isInstanceOf(SandboxException.CgroupFailed.class)
                .hasMessageContaining("freezer");
    }

    /** The directories of a sandbox "x", without creating anything. */
    private static SandboxCgroup cgroupsDirectories(CgroupsV1 cgroups) {
        return cgroups.describe("x");
    }
}
