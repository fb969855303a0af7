package io.kindling.worker.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;

/** The cgroup(s) of one sandbox: one directory per v1 hierarchy, or one v2 directory. */
interface SandboxCgroup {
    String id();

    /**
     * The files the launcher writes its own pid into before exec'ing bwrap: cgroup.procs in every
     * directory. In v1 a process joins each hierarchy separately.
     */
    List<Path> membershipFiles();

    /** Writes the limits: memory (and swap at the same value), pids, CPU weight and cap. Before anything joins. */
    void limit(SandboxLimits limits) throws SandboxException;

    /** Sets the CPU cap alone: {@code cores} of quota per period, or none when empty. Any time. */
    void capCpu(OptionalDouble cores) throws SandboxException;

    /** The directories, for cleanup checks. */
    List<Path> directories();

    /** Freezes every task and waits until the kernel reports the cgroup frozen. */
    void freeze(Duration timeout) throws SandboxException;

    void thaw(Duration timeout) throws SandboxException;

    boolean frozen() throws SandboxException;

    /** True if the memory controller OOM-killed a task of this cgroup. */
    boolean oomKilled() throws SandboxException;

    ResourceUsage usage() throws SandboxException;

    /** The highest memory use since the cgroup was made: one file, for every invocation's REPORT line. */
    long peakMemoryBytes() throws SandboxException;

    /** Host pids of every process in the cgroup(s). */
    Set<Long> pids() throws SandboxException;

    /** SIGKILL to every process in the cgroup, thawing it so the kill takes effect (v1 freezer holds signals). */
    void killAll() throws SandboxException;

    /**
     * Kills what is left, waits until the cgroup is empty and removes its directories. Missing
     * directories count as removed.
     */
    void remove(Duration timeout) throws SandboxException;
}
