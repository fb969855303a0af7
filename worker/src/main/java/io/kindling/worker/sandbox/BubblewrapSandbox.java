package io.kindling.worker.sandbox;

import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running bubblewrap sandbox. Process tree on the host:
 *
 * <pre>
 * worker JVM
 *  └─ bwrap (pid(); was the launcher shell, then nsenter, each exec'd in turn; in the cgroups)
 *      └─ bwrap init, pid 1 in the sandbox's pid namespace
 *          └─ the command, pid 2, and everything it starts
 * </pre>
 */
final class BubblewrapSandbox implements Sandbox {
    private static final Logger LOG = LoggerFactory.getLogger(BubblewrapSandbox.class);

    private final String id;
    /** Its scratch directory, cgroup, network namespace and listener; removed by {@link #close()}. */
    private final SandboxSlot slot;
    private final String netnsName;
    private final Process process;
    private final ServerSocketChannel listener;
    private final SandboxCgroup cgroup;
    private final ScratchDir scratch;
    private final CompletableFuture<ExitStatus> exit;
    private final Duration timeout;
    private final Runnable onClosed;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final SandboxStartTimes startTimes;
    /** The CPU cap still to apply when init is done; null once applied or if there is none to hold. */
    private final AtomicReference<OptionalDouble> heldCpuCap;

    BubblewrapSandbox(
            String id,
            SandboxSlot slot,
            Process process,
            CompletableFuture<Void> outputDrained,
            Duration timeout,
            SandboxStartTimes startTimes,
            OptionalDouble heldCpuCap,
            Runnable onClosed) {
        this.id = id;
        this.slot = slot;
        this.netnsName = slot.netnsName();
        this.process = process;
        this.listener = slot.listener();
        this.cgroup = slot.cgroup();
        this.scratch = slot.scratch();
        this.timeout = timeout;
        this.onClosed = onClosed;
        this.startTimes = startTimes;
        this.heldCpuCap = new AtomicReference<>(heldCpuCap.isPresent() ? heldCpuCap : null);
        // Read the OOM counter before close() can remove the cgroup: close() waits for this future.
        this.exit = process.onExit()
                .thenCombine(outputDrained, (p, drained) -> p)
                .thenApply(p -> ExitStatus.of(p.exitValue(), oomKilled()));
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public ServerSocketChannel runtimeApiListener() {
        return listener;
    }

    @Override
    public SandboxStartTimes startTimes() {
        return startTimes;
    }

    @Override
    public void initDone() throws SandboxException {
        OptionalDouble cap = heldCpuCap.getAndSet(null);
        if (cap != null) {
            requireOpen();
            cgroup.capCpu(cap);
        }
    }

    @Override
    public void freeze() throws SandboxException {
        requireOpen();
        cgroup.freeze(timeout);
    }

    @Override
    public void thaw() throws SandboxException {
        requireOpen();
        cgroup.thaw(timeout);
    }

    /** Whether the freezer reports the sandbox frozen; for tests and operators. */
    boolean frozen() throws SandboxException {
        return cgroup.frozen();
    }

    /** The cgroup directories; for tests and operators. */
    List<Path> cgroupDirectories() {
        return cgroup.directories();
    }

    /** The scratch directory on the host; for tests and operators. */
    Path scratchDirectory() {
        return scratch.dir();
    }

    String networkNamespace() {
        return netnsName;
    }

    @Override
    public CompletableFuture<ExitStatus> exit() {
        return exit.copy();
    }

    @Override
    public void terminate() {
        ProcessHandle outer = process.toHandle();
        List<ProcessHandle> inits = outer.children().toList();
        if (inits.isEmpty()) {
            // Still setting up: bwrap dies of SIGTERM and --die-with-parent takes the rest along.
            outer.destroy();
        }
        for (ProcessHandle init : inits) {
            // Not init itself: as pid 1 of its namespace it has no handler, so the kernel would
            // drop the signal, and it does not forward signals.
            init.descendants().forEach(ProcessHandle::destroy);
        }
        thawQuietly();
    }

    @Override
    public void kill() {
        ProcessHandle outer = process.toHandle();
        List<ProcessHandle> inits = outer.children().toList();
        // SIGKILL to the sandbox's init ends its whole pid namespace at once; bwrap's monitor then
        // reaps it and exits, so nothing is left for the host's init to reap. Killing every task
        // of the cgroup at once would orphan init as a zombie. close() still empties the cgroup.
        inits.forEach(ProcessHandle::destroyForcibly);
        if (inits.isEmpty()) {
            // Still the launcher (shell, nsenter) or bwrap setting up: nothing of the function runs yet.
            outer.destroyForcibly();
        }
        // A frozen task keeps a pending SIGKILL until it is thawed (cgroup v1 freezer).
        thawQuietly();
    }

    @Override
    public ResourceUsage usage() throws SandboxException {
        requireOpen();
        return cgroup.usage();
    }

    @Override
    public long peakMemoryBytes() throws SandboxException {
        requireOpen();
        return cgroup.peakMemoryBytes();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (!exit.isDone()) {
                kill();
            }
            awaitExit();
            // Kills whatever is still in the cgroups first (only possible if bwrap died half-way).
            slot.destroy();
        } finally {
            onClosed.run();
        }
    }

    private void awaitExit() {
        try {
            exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            LOG.warn("sandbox {}: still running {} after SIGKILL; removing what can be removed", id, timeout);
        } catch (ExecutionException e) {
            LOG.warn("sandbox {}: reading its exit status failed", id, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("sandbox {}: interrupted while waiting for it to exit; cleaning up anyway", id);
        }
    }

    private boolean oomKilled() {
        try {
            return cgroup.oomKilled();
        } catch (SandboxException e) {
            LOG.warn("sandbox {}: cannot tell whether it was OOM-killed", id, e);
            return false;
        }
    }

    private void thawQuietly() {
        try {
            if (cgroup.frozen()) {
                cgroup.thaw(timeout);
            }
        } catch (SandboxException e) {
            LOG.warn("sandbox {}: thawing after a signal failed", id, e);
        }
    }

    private void requireOpen() throws SandboxException {
        if (closed.get()) {
            throw new SandboxException.Closed(id);
        }
    }

    @Override
    public String toString() {
        return "BubblewrapSandbox[" + id + ", pid " + process.pid() + "]";
    }
}
