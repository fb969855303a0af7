package io.kindling.worker.sandbox;

import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.CompletableFuture;

/**
 * One running execution environment. Thread-safe; every method may be called from any thread,
 * virtual threads included (blocking native work happens on the driver's platform threads).
 */
public interface Sandbox extends AutoCloseable {
    /** The id from the spec; also names the network namespace, the cgroups and the scratch dir. */
    String id();

    /**
     * Host pid of the sandbox's outermost process (the bwrap monitor, started as the launcher).
     * The function's init is its child and the function runs below that, in a pid namespace.
     */
    long pid();

    /**
     * The Runtime API socket, bound to 127.0.0.1:9001 inside the sandbox's own network namespace,
     * so only this sandbox can connect to it. Owned by the sandbox: {@link #close()} closes it.
     */
    ServerSocketChannel runtimeApiListener();

    /** How long each step of the start took; see {@link SandboxStartTimes}. */
    SandboxStartTimes startTimes();

    /**
     * The runtime finished initializing: applies the CPU cap that {@link SandboxDriver.CpuCap#AFTER_INIT} held back.
     * Does nothing if the cap was applied from the start or already here.
     */
    void initDone() throws SandboxException;

    /** Stops every process of the sandbox (cgroup freezer); returns once they are all frozen. */
    void freeze() throws SandboxException;

    /** Lets a frozen sandbox run again; returns once the cgroup reports it thawed. */
    void thaw() throws SandboxException;

    /**
     * Completes when the sandbox's processes have exited and their output has been delivered to
     * the sink. Each call returns a new dependent future, so completing it does not affect others.
     */
    CompletableFuture<ExitStatus> exit();

    /**
     * Asks the function to stop: SIGTERM to every process in the sandbox except its init (which
     * would not pass it on). A frozen sandbox is thawed so the signal can be handled.
     */
    void terminate();

    /** SIGKILL to every process in the sandbox's cgroups, thawing them so the kill takes effect. */
    void kill();

    /** Memory, CPU time and process count from the sandbox's cgroups. */
    ResourceUsage usage() throws SandboxException;

    /** The highest memory use of the sandbox's cgroup so far (Lambda's Max Memory Used). */
    long peakMemoryBytes() throws SandboxException;

    /**
     * Kills what still runs, waits for it to exit, then removes the listener, cgroups, network
     * namespace and scratch directory. Idempotent; never throws (failures are logged, and
     * {@link SandboxDriver#cleanLeftovers()} removes what could not be removed here).
     */
    @Override
    void close();
}
