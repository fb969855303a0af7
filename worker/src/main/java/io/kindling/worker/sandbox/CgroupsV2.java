package io.kindling.worker.sandbox;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * cgroup v2: one tree, {@code <root>/<prefix>/<id>}.
 *
 * <ul>
 *   <li>The memory, pids and cpu controllers are enabled in the root's and the prefix's
 *       cgroup.subtree_control (a controller reaches a child only when its parent delegates it).
 *   <li>memory.max, and memory.swap.max 0 when swap accounting exists; OOM kills are counted in
 *       memory.events' oom_kill.
 *   <li>pids.max; cpu.weight (from v1 shares) and cpu.max for a core cap.
 *   <li>cgroup.freeze 1/0, settled when cgroup.events says frozen 1/0.
 *   <li>cgroup.kill (5.14+) kills the whole cgroup in one write; frozen tasks die too.
 * </ul>
 */
final class CgroupsV2 implements Cgroups {
    private static final List<String> CONTROLLERS = List.of("cpu", "memory", "pids");
    private static final long CPU_PERIOD_US = 100_000;

    private final Path root;
    private final Path parent;

    CgroupsV2(Path root, String prefix) {
        this.root = root;
        this.parent = root.resolve(prefix);
    }

    @Override
    public void removeEmptyParents() {
        try {
            Files.deleteIfExists(parent);
        } catch (java.io.IOException e) {
            // Not empty (a sandbox still there) or busy: left for the next start.
        }
    }

    @Override
    public String version() {
        return "v2";
    }

    @Override
    public SandboxCgroup create(String id) throws SandboxException {
        prepareParent();
        Path dir = parent.resolve(id);
        CgroupFiles.createDirectory(dir);
        return new V2SandboxCgroup(id, dir, parent);
    }

    /** Creates {@code <prefix>} and delegates the controllers to it and to its children. */
    private void prepareParent() throws SandboxException {
        enableControllers(root);
        CgroupFiles.createDirectories(parent);
        enableControllers(parent);
    }

    private static void enableControllers(Path dir) throws SandboxException {
        Path control = dir.resolve("cgroup.subtree_control");
        Set<String> enabled = CgroupFiles.exists(control)
                ? Arrays.stream(CgroupFiles.read(control).split("\\s+")).filter(s -> !s.isEmpty()).collect(Collectors.toSet())
                : Set.of();
        String missing = CONTROLLERS.stream().filter(c -> !enabled.contains(c)).map(c -> "+" + c).collect(Collectors.joining(" "));
        if (!missing.isEmpty()) {
            CgroupFiles.write(control, missing);
        }
    }

    @Override
    public List<SandboxCgroup> existing() throws SandboxException {
        List<SandboxCgroup> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, Files::isDirectory)) {
            for (Path entry : entries) {
                found.add(new V2SandboxCgroup(entry.getFileName().toString(), entry, parent));
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new SandboxException.CgroupFailed("listing " + parent + ": " + e, e);
        }
        return found;
    }

    private static final class V2SandboxCgroup implements SandboxCgroup {
        private final String id;
        private final Path dir;
        private final Path parent;

        V2SandboxCgroup(String id, Path dir, Path parent) {
            this.id = id;
            this.dir = dir;
            this.parent = parent;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public void limit(SandboxLimits limits) throws SandboxException {
            CgroupFiles.write(dir.resolve("memory.max"), Long.toString(limits.memoryBytes()));
            // Decided from the parent: the child's files appear only when the kernel creates the
            // directory, and the parent has the same set.
            if (CgroupFiles.exists(parent.resolve("memory.swap.max"))) {
                CgroupFiles.write(dir.resolve("memory.swap.max"), "0");
            }
            CgroupFiles.write(dir.resolve("pids.max"), Integer.toString(limits.maxPids()));
            CgroupFiles.write(dir.resolve("cpu.weight"), Integer.toString(limits.cpuWeight()));
            if (limits.cpuCores().isPresent()) {
                capCpu(limits.cpuCores()); // a new cgroup's cpu.max is "max"
            }
        }

        @Override
        public void capCpu(OptionalDouble cores) throws SandboxException {
            String quota = cores.isEmpty() ? "max"
                    : Long.toString(Math.max(1000, Math.round(cores.getAsDouble() * CPU_PERIOD_US)));
            CgroupFiles.write(dir.resolve("cpu.max"), quota + " " + CPU_PERIOD_US);
        }

        @Override
        public List<Path> membershipFiles() {
            return List.of(dir.resolve("cgroup.procs"));
        }

        @Override
        public List<Path> directories() {
            return List.of(dir);
        }

        @Override
        public void freeze(Duration timeout) throws SandboxException {
            setFrozen(true, timeout);
        }

        @Override
        public void thaw(Duration timeout) throws SandboxException {
            setFrozen(false, timeout);
        }

        @Override
        public boolean frozen() throws SandboxException {
            return CgroupFiles.keyed(dir.resolve("cgroup.events"), "frozen").orElse(0L) == 1;
        }

        private void setFrozen(boolean frozen, Duration timeout) throws SandboxException {
            CgroupFiles.write(dir.resolve("cgroup.freeze"), frozen ? "1" : "0");
            boolean reached;
            try {
                reached = Poll.until(() -> {
                    try {
                        return frozen() == frozen;
                    } catch (SandboxException e) {
                        throw new IOException(e.getMessage(), e);
                    }
                }, timeout);
            } catch (IOException e) {
                throw new SandboxException.CgroupFailed("reading " + dir.resolve("cgroup.events") + ": " + e, e);
            }
            if (!reached) {
                throw new SandboxException.CgroupFailed(dir + " did not report frozen " + (frozen ? 1 : 0) + " within " + timeout, null);
            }
        }

        @Override
        public boolean oomKilled() throws SandboxException {
            return CgroupFiles.keyed(dir.resolve("memory.events"), "oom_kill").orElse(0L) > 0;
        }

        @Override
        public long peakMemoryBytes() throws SandboxException {
            // memory.peak came with kernel 5.19; before it, the current use is the best lower bound there is.
            Path peakFile = dir.resolve("memory.peak");
            return CgroupFiles.readLong(CgroupFiles.exists(peakFile) ? peakFile : dir.resolve("memory.current"));
        }

        @Override
        public ResourceUsage usage() throws SandboxException {
            long current = CgroupFiles.readLong(dir.resolve("memory.current"));
            long peak = peakMemoryBytes();
            long cpuMicros = CgroupFiles.keyed(dir.resolve("cpu.stat"), "usage_usec").orElse(0L);
            long processes = CgroupFiles.readLong(dir.resolve("pids.current"));
            return new ResourceUsage(current, peak, Duration.ofNanos(cpuMicros * 1000), processes);
        }

        @Override
        public Set<Long> pids() throws SandboxException {
            return CgroupFiles.procs(dir);
        }

        @Override
        public void killAll() throws SandboxException {
            if (!Files.exists(dir)) {
                return;
            }
            Path kill = dir.resolve("cgroup.kill");
            if (CgroupFiles.exists(kill)) {
                CgroupFiles.write(kill, "1");
            } else {
                for (long pid : pids()) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }

        @Override
        public void remove(Duration timeout) throws SandboxException {
            if (!Files.exists(dir)) {
                return;
            }
            killAll();
            CgroupFiles.removeDirectories(this, List.of(dir), timeout);
        }
    }
}
