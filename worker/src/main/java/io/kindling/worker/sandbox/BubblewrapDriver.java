package io.kindling.worker.sandbox;

import io.kindling.chunks.FileTrees;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sandboxes from Linux namespaces and cgroups, set up by bubblewrap. Must run as root (it creates
 * network namespaces and cgroups); the function itself runs as an unprivileged uid.
 *
 * <p>Steps 2 to 4 do not depend on the function: {@link #precreate} keeps a few of them made ahead
 * ({@link PrecreatedSandboxes}), and a start takes one when it can, so a cold start only writes the limits and spawns.
 *
 * <p>Start-up, in order, each step undone if a later one fails:
 * <ol>
 *   <li>the root checked ({@link #root(SandboxSpec)}): a runtime's binds against the forbidden host paths, or a
 *       container image's top-level entries listed;
 *   <li>scratch dir with generated /etc/passwd, /etc/group, /etc/hosts (not for an image sandbox: its /etc is the
 *       image's own, and its scratch dir stays empty);
 *   <li>cgroup(s) {@code <prefix>/<id>}, then the limits written (the CPU cap held back until the runtime has
 *       initialized, with {@link CpuCap#AFTER_INIT});
 *   <li>network namespace {@code <prefix>-<id>}, lo up, and the Runtime API listener bound inside
 *       it, on a fresh platform thread (see {@link NetworkNamespaces});
 *   <li>the launcher, spawned from a {@link Spawner} thread:
 *       {@code sh -c <launch-wrapper.sh> <cgroup.procs files> -- nsenter --net=<netns> --setuid U --setgid G -- bwrap <bwrap-flags.tsv> -- <command>}.
 *       The shell writes its own pid into the cgroups, then execs nsenter, which enters the
 *       network namespace, drops root and execs bwrap: one process from start to end, in its
 *       cgroups before the first instruction of anything else runs.
 * </ol>
 */
public final class BubblewrapDriver implements SandboxDriver {
    private static final Logger LOG = LoggerFactory.getLogger(BubblewrapDriver.class);
    private static final String LAUNCHER = DataFile.text("launch-wrapper.sh");
    private static final List<ForbiddenPath> FORBIDDEN = DataFile.read("forbidden-host-paths.tsv", 2).stream()
            .map(row -> new ForbiddenPath(Path.of(row.field(0)), row.reason()))
            .toList();

    /** A host path no root bind may be, contain or lie under, and why. */
    record ForbiddenPath(Path path, String reason) {}

    private final BubblewrapConfig config;
    private final Cgroups cgroups;
    private final NetworkNamespaces networks;
    private final BubblewrapCommand bwrapCommand;
    private final List<ForbiddenPath> forbidden;
    /** Ids of live sandboxes and of pre-created slots, so cleanLeftovers never removes them. */
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final AtomicLong slotNumbers = new AtomicLong();
    /** The pre-created pool, once {@link #precreate} started it; null without one. */
    private volatile PrecreatedSandboxes<SandboxSlot> slots;

    private BubblewrapDriver(BubblewrapConfig config, Cgroups cgroups) {
        this.config = config;
        this.cgroups = cgroups;
        this.networks = new NetworkNamespaces(config.commandTimeout());
        this.bwrapCommand = BubblewrapCommand.standard();
        List<ForbiddenPath> paths = new ArrayList<>(FORBIDDEN);
        paths.add(new ForbiddenPath(config.scratchRoot(), "other sandboxes' scratch directories"));
        for (Path data : config.dataDirectories()) {
            paths.add(new ForbiddenPath(data, "Kindling's own data: code of every function, the registry, keys"));
        }
        this.forbidden = List.copyOf(paths);
    }

    /** Detects the cgroup version and checks the tools exist; creates nothing on the host. */
    public static BubblewrapDriver create(BubblewrapConfig config) throws SandboxException {
        for (Path tool : List.of(config.bwrap(), config.nsenter(), config.shell())) {
            if (!java.nio.file.Files.isExecutable(tool)) {
                throw new SandboxException.LaunchFailed("not executable: " + tool, null);
            }
        }
        Cgroups cgroups = Cgroups.detect(config.cgroupRoot(), config.namePrefix());
        LOG.info("sandbox driver: bubblewrap, cgroup {}, names {}-*", cgroups.version(), config.namePrefix());
        return new BubblewrapDriver(config, cgroups);
    }

    /** "v1" or "v2". */
    public String cgroupVersion() {
        return cgroups.version();
    }

    /**
     * Keeps up to {@code max} pre-created slots ({@link PrecreatedSandboxes}) from now on; until then, and when the
     * pool is empty, a start makes its own. Call once, after {@link #cleanLeftovers()}.
     */
    public void precreate(int max) {
        if (max <= 0) {
            return;
        }
        synchronized (this) {
            if (slots != null) {
                throw new IllegalStateException("the sandbox pool is already running");
            }
            slots = new PrecreatedSandboxes<>(max, this::precreateSlot, this::release, System::nanoTime).start();
        }
        LOG.info("sandbox pool: up to {} pre-created (network namespace with the Runtime API listener, cgroup, "
                + "scratch directory), sized to the recent rate of cold starts", max);
    }

    /** How many pre-created slots are ready now; for operators and tests. */
    public int precreated() {
        PrecreatedSandboxes<SandboxSlot> pool = slots;
        return pool == null ? 0 : pool.size();
    }

    /** Stops the pool and removes its unused slots; starts after this make their own. */
    public void stopPrecreating() {
        PrecreatedSandboxes<SandboxSlot> pool;
        synchronized (this) {
            pool = slots;
            slots = null;
        }
        if (pool != null) {
            pool.close();
        }
    }

    /** One pre-created slot, named {@code pool.<n>}: a name no sandbox id can have (ids have no dot). */
    private SandboxSlot precreateSlot() throws SandboxException {
        String id = "pool." + slotNumbers.incrementAndGet();
        live.add(id);
        try {
            return makeSlot(id, true).slot();
        } catch (SandboxException | RuntimeException | Error e) {
            live.remove(id);
            throw e;
        }
    }

    /** A slot made now, and how long each of its steps took. */
    private record Made(SandboxSlot slot, Duration scratch, Duration cgroup, Duration network) {}

    /**
     * Makes the function-independent part of a sandbox for {@code id}: the scratch directory (with the generated /etc
     * files if {@code generatedEtc}), the empty cgroup, the network namespace with its listener; undone if a step fails.
     */
    private Made makeSlot(String id, boolean generatedEtc) throws SandboxException {
        Deque<Undo> undo = new ArrayDeque<>();
        try {
            long began = System.nanoTime();
            String name = config.netnsName(id);
            ScratchDir scratch = ScratchDir.create(config.scratchRoot(), name, etcValues(), generatedEtc);
            undo.push(scratch::delete);
            long scratchDone = System.nanoTime();
            SandboxCgroup cgroup = cgroups.create(id);
            undo.push(() -> cgroup.remove(config.stopTimeout()));
            long cgroupDone = System.nanoTime();
            ServerSocketChannel listener = networks.createWithListener(name, config.runtimeApiAddress());
            long networkDone = System.nanoTime();
            return new Made(new SandboxSlot(id, name, scratch, cgroup, listener, networks, config.stopTimeout()),
                    Duration.ofNanos(scratchDone - began), Duration.ofNanos(cgroupDone - scratchDone),
                    Duration.ofNanos(networkDone - cgroupDone));
        } catch (SandboxException | RuntimeException | Error e) {
            undoAll(undo, e);
            throw e;
        }
    }

    /**
     * A pre-created slot, its scratch directory renamed after sandbox {@code id}, as one it made would be (the
     * namespace and the cgroup keep the slot's name: a mounted namespace file cannot be renamed). On failure the slot
     * is released.
     */
    private SandboxSlot adopt(SandboxSlot pooled, String id) throws SandboxException {
        try {
            return pooled.withScratch(pooled.scratch().renameTo(config.netnsName(id)));
        } catch (SandboxException | RuntimeException | Error e) {
            release(pooled);
            throw e;
        }
    }

    /** Removes a slot no sandbox runs in (never taken, or its sandbox failed to start) and forgets its id. */
    private void release(SandboxSlot slot) {
        slot.destroy();
        live.remove(slot.id());
    }

    private Map<String, String> etcValues() {
        return Map.of(
                "uid", Integer.toString(config.sandboxUid()),
                "gid", Integer.toString(config.sandboxGid()),
                "hostname", config.hostname());
    }

    @Override
    public Sandbox start(SandboxSpec spec, CpuCap cap) throws SandboxException {
        List<RootBind> root = root(spec);
        checkRuntimeDir(spec.runtimeDir());
        String id = spec.id();
        if (!live.add(id)) {
            throw new SandboxException.InvalidSpec("a sandbox with id " + id + " is already running");
        }
        PrecreatedSandboxes<SandboxSlot> pool = slots;
        Optional<SandboxSlot> taken = pool == null ? Optional.empty() : pool.take();
        long began = System.nanoTime();
        Deque<Undo> undo = new ArrayDeque<>();
        try {
            Made made = taken.isPresent()
                    ? new Made(adopt(taken.get(), id), Duration.ZERO, Duration.ZERO, Duration.ZERO)
                    : makeSlot(id, spec.image().isEmpty());
            SandboxSlot slot = made.slot();
            undo.push(() -> release(slot));
            long slotDone = System.nanoTime();
            SandboxLimits limits = cap == CpuCap.AFTER_INIT ? spec.limits().withoutCpuCap() : spec.limits();
            slot.cgroup().limit(limits);
            long limitsDone = System.nanoTime();

            List<String> argv = launchCommand(spec, root, slot.scratch(), slot.cgroup(), slot.netnsName());
            ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE);
            // The launcher runs as root: nothing of the worker's environment (LD_PRELOAD, ...) may
            // reach it. The function's own environment travels separately (bwrap --args).
            builder.environment().clear();
            builder.redirectOutput(switch (spec.output()) {
                case OutputSink.ToFile f -> ProcessBuilder.Redirect.appendTo(f.file().toFile());
                case OutputSink.Discard d -> ProcessBuilder.Redirect.DISCARD;
                case OutputSink.ToStream s -> ProcessBuilder.Redirect.PIPE;
            });
            if (LOG.isDebugEnabled()) {
                LOG.debug("sandbox {}: launching {}", id, String.join(" ", argv));
            }
            Process process;
            try {
                process = Spawner.start(builder, BubblewrapCommand.environmentArguments(spec.environment()));
            } catch (IOException e) {
                throw new SandboxException.LaunchFailed(argv.getFirst() + ": " + e.getMessage(), e);
            }
            undo.push(process::destroyForcibly);
            CompletableFuture<Void> drained = spec.output() instanceof OutputSink.ToStream(var stream)
                    ? OutputPump.start(id, process.getInputStream(), stream)
                    : CompletableFuture.completedFuture(null);
            long spawned = System.nanoTime();
            SandboxStartTimes times = new SandboxStartTimes(taken.isPresent(), made.scratch(), made.cgroup(),
                    made.network(), Duration.ofNanos(limitsDone - slotDone), Duration.ofNanos(spawned - limitsDone));
            BubblewrapSandbox sandbox = new BubblewrapSandbox(id, slot, process, drained, config.stopTimeout(), times,
                    cap == CpuCap.AFTER_INIT ? spec.limits().cpuCores() : OptionalDouble.empty(),
                    () -> {
                        live.remove(id);
                        live.remove(slot.id());
                    });
            LOG.debug("sandbox {}: spawned pid {} after {} µs (scratch {}, cgroup {}, netns and listener {}, limits {}, "
                            + "spawn {}{})", id, process.pid(), (spawned - began) / 1000, times.scratch().toNanos() / 1000,
                    times.cgroup().toNanos() / 1000, times.network().toNanos() / 1000, times.limits().toNanos() / 1000,
                    times.spawn().toNanos() / 1000, taken.isPresent() ? ", pre-created slot " + slot.id() : "");
            return sandbox;
        } catch (SandboxException | RuntimeException | Error e) {
            undoAll(undo, e);
            live.remove(id);
            throw e;
        }
    }

    private static void undoAll(Deque<Undo> undo, Throwable failure) {
        while (!undo.isEmpty()) {
            try {
                undo.pop().run();
            } catch (Exception cleanupFailure) {
                failure.addSuppressed(cleanupFailure);
            }
        }
    }

    /** The launcher's argv: shell, its script, the cgroup files, then nsenter and bwrap. */
    List<String> launchCommand(SandboxSpec spec, List<RootBind> root, ScratchDir scratch, SandboxCgroup cgroup,
                               String netnsName) {
        List<String> argv = new ArrayList<>(List.of(config.shell().toString(), "-c", LAUNCHER, "kindling-launch"));
        cgroup.membershipFiles().forEach(f -> argv.add(f.toString()));
        argv.add("--");
        argv.addAll(List.of(
                config.nsenter().toString(),
                "--net=" + networks.file(netnsName),
                // nsenter drops root (setgroups, setgid, setuid) after entering the namespace, so
                // bwrap runs unprivileged and builds the sandbox in a user namespace of that uid.
                "--setuid", Integer.toString(config.sandboxUid()),
                "--setgid", Integer.toString(config.sandboxGid()),
                "--",
                config.bwrap().toString()));
        argv.addAll(bwrapArguments(spec, root, scratch));
        return argv;
    }

    /**
     * bwrap's arguments for {@code spec} over {@code root} (from {@link #root(SandboxSpec)}). A sandbox on a runtime's
     * root gets the generated /etc files and the code at /var/task; an image sandbox gets neither (its image is the
     * whole root), so those optional lines of bwrap-flags.tsv are left out.
     */
    List<String> bwrapArguments(SandboxSpec spec, List<RootBind> root, ScratchDir scratch) {
        List<String> rootArgs = new ArrayList<>();
        root.forEach(bind -> rootArgs.addAll(bind.bwrapArgs()));
        Map<String, String> values = new HashMap<>(Map.of(
                "uid", Integer.toString(config.sandboxUid()),
                "gid", Integer.toString(config.sandboxGid()),
                "hostname", config.hostname(),
                "tmpBytes", Long.toString(spec.limits().tmpBytes()),
                "workDir", spec.workingDirectory()));
        if (spec.image().isEmpty()) {
            values.put("passwd", scratch.etcFile("passwd").toString());
            values.put("group", scratch.etcFile("group").toString());
            values.put("hosts", scratch.etcFile("hosts").toString());
            values.put("codeDir", spec.codeDir().toString());
        }
        spec.runtimeDir().ifPresent(dir -> values.put("runtimeDir", dir.toString()));
        return bwrapCommand.arguments(values, Map.of("root", rootArgs, "command", spec.command()));
    }

    /**
     * The root pieces of {@code spec}, checked: a runtime's root binds against the host-path allowlist, or an image's
     * top-level entries (listed now, with lstat) each a direct child of the image root.
     */
    List<RootBind> root(SandboxSpec spec) throws SandboxException {
        if (spec.image().isEmpty()) {
            checkRootBinds(spec.rootBinds());
            return spec.rootBinds();
        }
        ImageRoot image = spec.image().get();
        checkImageRoot(image.root());
        List<RootBind> entries;
        try {
            entries = image.entries();
        } catch (IOException e) {
            throw new SandboxException.InvalidSpec("image root " + image.root() + " cannot be listed: " + e);
        }
        for (RootBind entry : entries) {
            // The image is the function's code: its entries are not held to the host allowlist (it lies in Kindling's
            // data), so what keeps a bind inside the image is that its source is exactly one name below the root.
            if (entry.hostPath().isPresent() && !image.root().equals(entry.hostPath().get().getParent())) {
                throw new SandboxException.InvalidSpec("image entry " + entry.source() + " is not directly in " + image.root());
            }
        }
        return entries;
    }

    /**
     * An image root is Kindling's own (under its data directory, not subject to the allowlist), but it must not
     * contain a forbidden path: an "image" at / or /var would bind the host's tree.
     */
    void checkImageRoot(Path root) throws SandboxException {
        for (ForbiddenPath no : forbidden) {
            if (no.path().startsWith(root)) {
                throw new SandboxException.InvalidSpec(
                        "image root " + root + " would expose " + no.path() + " (" + no.reason() + ")");
            }
        }
    }

    /**
     * The runtime directory is Kindling's own (built beside the jar), so unlike a root bind it may lie in a build tree
     * or under /tmp; but it must not contain a forbidden path (binding / or /var would expose them) nor lie among
     * other sandboxes' scratch directories or Kindling's data (every function's code).
     */
    void checkRuntimeDir(Optional<Path> runtimeDir) throws SandboxException {
        if (runtimeDir.isEmpty()) {
            return;
        }
        Path dir = runtimeDir.get().normalize();
        for (ForbiddenPath no : forbidden) {
            if (no.path().startsWith(dir)) {
                throw new SandboxException.InvalidSpec(
                        "runtime directory " + dir + " would expose " + no.path() + " (" + no.reason() + ")");
            }
        }
        List<Path> kindlingOwn = new ArrayList<>(config.dataDirectories());
        kindlingOwn.add(config.scratchRoot());
        for (Path own : kindlingOwn) {
            if (dir.startsWith(own)) {
                throw new SandboxException.InvalidSpec("runtime directory " + dir + " lies in " + own
                        + ", which holds other sandboxes' files or Kindling's data");
            }
        }
    }

    /** Refuses root binds that would expose host paths no function may see. */
    void checkRootBinds(List<RootBind> binds) throws SandboxException {
        for (RootBind bind : binds) {
            if (bind.hostPath().isEmpty()) {
                continue;
            }
            Path source = bind.hostPath().get();
            for (ForbiddenPath no : forbidden) {
                if (source.startsWith(no.path()) || no.path().startsWith(source)) {
                    throw new SandboxException.InvalidSpec(
                            "root bind " + source + " -> " + bind.target() + " would expose " + no.path() + " (" + no.reason() + ")");
                }
            }
            for (Path owned : List.of(Path.of(SandboxSpec.TASK_ROOT), Path.of(SandboxSpec.RUNTIME_DIR), Path.of("/tmp"),
                    Path.of("/proc"), Path.of("/dev"),
                    Path.of("/etc/passwd"), Path.of("/etc/group"), Path.of("/etc/hosts"))) {
                if (bind.target().startsWith(owned)) {
                    throw new SandboxException.InvalidSpec("root bind target " + bind.target() + " is managed by the driver");
                }
            }
        }
    }

    /**
     * For a worker that stops after closing every sandbox: removes the driver's parent cgroups when they are empty,
     * so nothing of it stays on the host.
     */
    public void removeEmptyParents() {
        cgroups.removeEmptyParents();
    }

    @Override
    public void cleanLeftovers() {
        String prefix = config.namePrefix() + "-";
        try {
            for (SandboxCgroup cgroup : cgroups.existing()) {
                if (live.contains(cgroup.id())) {
                    continue;
                }
                try {
                    cgroup.remove(config.stopTimeout());
                    LOG.info("removed leftover cgroup {}", cgroup.directories());
                } catch (SandboxException e) {
                    LOG.warn("leftover cgroup {} could not be removed", cgroup.directories(), e);
                }
            }
        } catch (SandboxException e) {
            LOG.warn("listing leftover cgroups failed", e);
        }
        try {
            for (String name : networks.list(prefix)) {
                if (live.contains(name.substring(prefix.length()))) {
                    continue;
                }
                try {
                    networks.delete(name);
                    LOG.info("removed leftover network namespace {}", name);
                } catch (SandboxException e) {
                    LOG.warn("leftover network namespace {} could not be removed", name, e);
                }
            }
        } catch (IOException e) {
            LOG.warn("listing leftover network namespaces failed", e);
        }
        try {
            for (Path dir : ScratchDir.list(config.scratchRoot(), prefix)) {
                if (live.contains(dir.getFileName().toString().substring(prefix.length()))) {
                    continue;
                }
                try {
                    FileTrees.deleteRecursively(dir);
                    LOG.info("removed leftover scratch directory {}", dir);
                } catch (IOException e) {
                    LOG.warn("leftover scratch directory {} could not be removed", dir, e);
                }
            }
        } catch (IOException e) {
            LOG.warn("listing leftover scratch directories failed", e);
        }
    }

    /** One step of start-up to undo when a later step fails. */
    @FunctionalInterface
    private interface Undo {
        void run() throws Exception;
    }
}
