package io.kindling.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The v2 freezer and kill against a real cgroup2 kernel: the hybrid mount at
 * /sys/fs/cgroup/unified has no controllers to delegate (no limits can be tested there), but
 * cgroup.procs, cgroup.freeze, cgroup.events and cgroup.kill are core files and work.
 */
class CgroupsV2HybridTest {
    private static final Path UNIFIED = Path.of("/sys/fs/cgroup/unified");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void freezeThawAndKillARealProcessInCgroup2() throws Exception {
        assumeTrue(SandboxHarness.isRoot() && Files.exists(UNIFIED.resolve("cgroup.procs")),
                "needs root and a cgroup2 mount at " + UNIFIED);
        String prefix = "kindling-t2-" + ProcessHandle.current().pid();
        Path dir = UNIFIED.resolve(prefix).resolve("x");
        Files.createDirectories(dir);
        Process sleeper = new ProcessBuilder("sleep", "1000").start();
        try {
            Files.writeString(dir.resolve("cgroup.procs"), Long.toString(sleeper.pid()));
            SandboxCgroup cgroup = new CgroupsV2(UNIFIED, prefix).existing().getFirst();
            assertThat(cgroup.pids()).containsExactly(sleeper.pid());

            cgroup.freeze(TIMEOUT);
            assertThat(cgroup.frozen()).isTrue();
            assertThat(Files.readString(dir.resolve("cgroup.events"))).contains("frozen 1");
            cgroup.thaw(TIMEOUT);
            assertThat(cgroup.frozen()).isFalse();

            cgroup.freeze(TIMEOUT); // cgroup v2 kills frozen tasks too
            cgroup.remove(TIMEOUT);
            assertThat(sleeper.onExit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).exitValue()).isEqualTo(137);
            assertThat(dir).doesNotExist();
        } finally {
            sleeper.destroyForcibly();
            sleeper.onExit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            Files.deleteIfExists(dir);
            Files.deleteIfExists(dir.getParent());
        }
    }
}
