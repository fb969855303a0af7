package io.kindling.worker.sandbox;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;

/**
 * cgroup v1: one hierarchy per controller (or a few controllers per mount, e.g. cpu,cpuacct),
 * each with its own {@code <prefix>/<id>} directory.
 *
 * <ul>
 *   <li>memory: memory.limit_in_bytes, and memory.memsw.limit_in_bytes at the same value when swap
 *       accounting exists, so swap cannot stretch the limit; OOM kills are counted in
 *       memory.oom_control's oom_kill (kernel 4.13+).
 *   <li>pids: pids.max.
 *   <li>cpu: cpu.shares, and cpu.cfs_quota_us over a 100 ms period for a core cap.
 *   <li>cpuacct: for CPU time only.
 *   <li>freezer: freezer.state FROZEN / THAWED.
 * </ul>
 */
final class CgroupsV1 implements Cgroups {
    static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu", "cpuacct", "freezer");
    /** cpuacct only reports; the others enforce and must be present. */
    private static final Set<String> REQUIRED = Set.of("memory", "pids", "cpu", "freezer");
    private static final long CFS_PERIOD_US = 100_000;

    private final Map<String, Path> mounts;
    private final String prefix;

    CgroupsV1(Map<String, Path> mounts, String prefix) throws SandboxException {
        for (String controller : REQUIRED) {
            if (!mounts.containsKey(controller)) {
                throw new SandboxException.CgroupFailed("no cgroup v1 hierarchy with the " + controller + " controller is mounted", null);
            }
        }
        this.mounts = Map.copyOf(mounts);
        this.prefix = prefix;
    }

    /**
     * Finds each controller's mount in /proc/self/mountinfo: field 5 is the mount point, and after
     * the " - " separator come the type ({@code cgroup}) and super options (e.g. {@code rw,memory}).
     * Only mounts under {@code root} count, so a container's view of the host is not mistaken.
     */
    static CgroupsV1 fromMountInfo(Path root, String prefix, String mountInfo) throws SandboxException {
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (String line : mountInfo.split("\n")) {
            int separator = line.indexOf(" - ");
            if (separator < 0) {
                continue;
            }
            String[] before = line.substring(0, separator).split(" ");
            String[] after = line.substring(separator + 3).split(" ");
            if (before.length < 5 || after.length < 3 || !after[0].equals("cgroup")) {
                continue;
            }
            Path mountPoint = Path.of(before[4]);
            if (!mountPoint.startsWith(root)) {
                continue;
            }
            for (String option : after[2].split(",")) {
                if (CONTROLLERS.contains(option)) {
                    mounts.putIfAbsent(option, mountPoint);
                }
            }
        }
        return new CgroupsV1(mounts, prefix);
    }

    @Override
    public String version() {
        return "v1";
    }

    @Override
    public SandboxCgroup create(String id) throws SandboxException {
        V1SandboxCgroup cgroup = new V1SandboxCgroup(id, directoriesFor(id));
        List<Path> created = new ArrayList<>();
        try {
            for (Path dir : cgroup.distinctDirectories()) {
                CgroupFiles.createDirectories(dir.getParent());
                CgroupFiles.createDirectory(dir);
                created.add(dir);
            }
            return cgroup;
        } catch (SandboxException e) {
            for (Path dir : created.reversed()) {
                try {
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // Empty and just created: only a concurrent cleanup could interfere.
                }
            }
            throw e;
        }
    }

    @Override
    public void removeEmptyParents() {
        for (Path mount : new LinkedHashSet<>(mounts.values())) {
            try {
                Files.deleteIfExists(mount.resolve(prefix));
            } catch (IOException e) {
                // Not empty (a sandbox still there) or busy: left for the next start.
            }
        }
    }

    @Override
    public List<SandboxCgroup> existing() throws SandboxException {
        Set<String> ids = new TreeSet<>();
        for (Path mount : new LinkedHashSet<>(mounts.values())) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(mount.resolve(prefix), Files::isDirectory)) {
                entries.forEach(entry -> ids.add(entry.getFileName().toString()));
            } catch (NoSuchFileException e) {
                // No sandbox was ever created in this hierarchy.
            } catch (IOException e) {
                throw new SandboxException.CgroupFailed("listing " + mount.resolve(prefix) + ": " + e, e);
            }
        }
        List<SandboxCgroup> found = new ArrayList<>();
        for (String id : ids) {
            found.add(new V1SandboxCgroup(id, directoriesFor(id)));
        }
        return found;
    }

    /** The cgroup a sandbox with this id would have, without touching the host. */
    SandboxCgroup describe(String id) {
        return new V1SandboxCgroup(id, directoriesFor(id));
    }

    private Map<String, Path> directoriesFor(String id) {
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (String controller : CONTROLLERS) {
            Path mount = mounts.get(controller);
            if (mount != null) {
                dirs.put(controller, mount.resolve(prefix).resolve(id));
            }
        }
        return dirs;
    }

    /** One sandbox's directories, keyed by controller (co-mounted controllers share one). */
    private static final class V1SandboxCgroup implements SandboxCgroup {
        private final String id;
        private final Map<String, Path> dirs;

        V1SandboxCgroup(String id, Map<String, Path> dirs) {
            this.id = id;
            this.dirs = Map.copyOf(dirs);
        }

        Path dir(String controller) {
            return dirs.get(controller);
        }

        List<Path> distinctDirectories() {
            List<Path> distinct = new ArrayList<>();
            for (String controller : CONTROLLERS) {
                Path dir = dirs.get(controller);
                if (dir != null && !distinct.contains(dir)) {
                    distinct.add(dir);
                }
            }
            return distinct;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public void limit(SandboxLimits limits) throws SandboxException {
            Path memory = dir("memory");
            // The memory limit first: memsw may never be below it, and starts unlimited.
            CgroupFiles.write(memory.resolve("memory.limit_in_bytes"), Long.toString(limits.memoryBytes()));
            Path memsw = memory.resolve("memory.memsw.limit_in_bytes");
            if (CgroupFiles.exists(memsw)) {
                CgroupFiles.write(memsw, Long.toString(limits.memoryBytes()));
            }
            CgroupFiles.write(dir("pids").resolve("pids.max"), Integer.toString(limits.maxPids()));
            CgroupFiles.write(dir("cpu").resolve("cpu.shares"), Integer.toString(limits.cpuShares()));
            if (limits.cpuCores().isPresent()) {
                capCpu(limits.cpuCores()); // a new cgroup has no quota
            }
        }

        @Override
        public void capCpu(OptionalDouble cores) throws SandboxException {
            Path cpu = dir("cpu");
            if (cores.isEmpty()) {
                CgroupFiles.write(cpu.resolve("cpu.cfs_quota_us"), "-1");
                return;
            }
            CgroupFiles.write(cpu.resolve("cpu.cfs_period_us"), Long.toString(CFS_PERIOD_US));
            long quota = Math.max(1000, Math.round(cores.getAsDouble() * CFS_PERIOD_US));
            CgroupFiles.write(cpu.resolve("cpu.cfs_quota_us"), Long.toString(quota));
        }

        @Override
        public List<Path> membershipFiles() {
            return distinctDirectories().stream().map(d -> d.resolve("cgroup.procs")).toList();
        }

        @Override
        public List<Path> directories() {
            return distinctDirectories();
        }

        @Override
        public void freeze(Duration timeout) throws SandboxException {
            setFreezerState("FROZEN", timeout);
        }

        @Override
        public void thaw(Duration timeout) throws SandboxException {
            setFreezerState("THAWED", timeout);
        }

        @Override
        public boolean frozen() throws SandboxException {
            return CgroupFiles.read(dir("freezer").resolve("freezer.state")).equals("FROZEN");
        }

        /**
         * The kernel passes through FREEZING until every task has stopped, and in v1 a freeze can
         * stall there while tasks fork (seen here with a loop that forks every 10 ms, under load).
         * So, as runc does: write the state again on every poll (each write retries the tasks not
         * yet frozen), and every 50th attempt thaw briefly so a task caught mid-fork can finish.
         */
        private void setFreezerState(String state, Duration timeout) throws SandboxException {
            Path file = dir("freezer").resolve("freezer.state");
            int[] attempts = {0};
            boolean reached;
            try {
                reached = Poll.until(() -> {
                    attempts[0]++;
                    if (state.equals("FROZEN") && attempts[0] % 50 == 0) {
                        Files.writeString(file, "THAWED");
                    }
                    Files.writeString(file, state);
                    return Files.readString(file).strip().equals(state);
                }, timeout);
            } catch (IOException e) {
                throw new SandboxException.CgroupFailed("writing " + state + " to " + file + ": " + e, e);
            }
            if (!reached) {
                throw new SandboxException.CgroupFailed(file + " did not reach " + state + " within " + timeout
                        + " (" + attempts[0] + " attempts)", null);
            }
        }

        @Override
        public boolean oomKilled() throws SandboxException {
            Path memory = dir("memory");
            var kills = CgroupFiles.keyed(memory.resolve("memory.oom_control"), "oom_kill");
            if (kills.isPresent()) {
                return kills.get() > 0;
            }
            // Kernels before 4.13 do not count kills; hitting the limit is the closest evidence.
            return CgroupFiles.readLong(memory.resolve("memory.failcnt")) > 0;
        }

        @Override
        public long peakMemoryBytes() throws SandboxException {
            return CgroupFiles.readLong(dir("memory").resolve("memory.max_usage_in_bytes"));
        }

        @Override
        public ResourceUsage usage() throws SandboxException {
            Path memory = dir("memory");
            long current = CgroupFiles.readLong(memory.resolve("memory.usage_in_bytes"));
            long peak = peakMemoryBytes();
            Path cpuacct = dir("cpuacct");
            long cpuNanos = cpuacct == null ? 0 : CgroupFiles.readLong(cpuacct.resolve("cpuacct.usage"));
            long processes = CgroupFiles.readLong(dir("pids").resolve("pids.current"));
            return new ResourceUsage(current, peak, Duration.ofNanos(cpuNanos), processes);
        }

        @Override
        public Set<Long> pids() throws SandboxException {
            Set<Long> pids = new LinkedHashSet<>();
            for (Path dir : distinctDirectories()) {
                pids.addAll(CgroupFiles.procs(dir));
            }
            return pids;
        }

        @Override
        public void killAll() throws SandboxException {
            for (long pid : pids()) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            // A frozen task keeps a pending SIGKILL until thawed (v1 freezer).
            Path freezer = dir("freezer");
            if (freezer != null && Files.exists(freezer.resolve("freezer.state"))) {
                CgroupFiles.write(freezer.resolve("freezer.state"), "THAWED");
            }
        }

        @Override
        public void remove(Duration timeout) throws SandboxException {
            List<Path> existing = distinctDirectories().stream().filter(Files::exists).toList();
            if (existing.isEmpty()) {
                return;
            }
            killAll();
            CgroupFiles.removeDirectories(this, existing, timeout);
        }
    }
}
