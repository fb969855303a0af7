/**
 * Sandboxes: one isolated process tree per execution environment, with its own Runtime API
 * listener and resource limits.
 *
 * <p>API: {@link io.kindling.worker.sandbox.SandboxDriver} starts a
 * {@link io.kindling.worker.sandbox.Sandbox} from a {@link io.kindling.worker.sandbox.SandboxSpec};
 * {@link io.kindling.worker.sandbox.BubblewrapDriver} is the implementation for hosts without KVM.
 * Errors are {@link io.kindling.worker.sandbox.SandboxException}s.
 *
 * <p>Isolation (bubblewrap, namespaces, cgroups), from outside in:
 * <ul>
 *   <li>cgroups {@code kindling/<id>} (v1: memory, pids, cpu, cpuacct, freezer; v2: one directory),
 *       joined by the launcher before anything else runs;
 *   <li>network namespace {@code kindling-<id>} with only lo; the Runtime API listener lives there;
 *   <li>bwrap as uid 993 (nsenter drops root): new user, pid, mount, ipc, uts and cgroup
 *       namespaces, no capabilities, no_new_privs, no nested user namespaces, a read-only root of
 *       binds listed as data, /var/task (the code) and /var/runtime (the runtime's own files, if any)
 *       read-only, a private sized tmpfs at /tmp. For a container image
 *       ({@link io.kindling.worker.sandbox.ImageRoot}) the root is the image instead, each top-level entry bound
 *       read-only on its own, with no generated /etc files and nothing bound at /var/task.
 * </ul>
 *
 * <p>Threads. Callers may be virtual threads. Work that blocks in native code or changes
 * per-thread kernel state runs on platform threads of this package:
 * <ul>
 *   <li>{@code kindling-spawner-N}: a fixed pool that spawns every sandbox. bwrap's
 *       --die-with-parent fires when the spawning <em>thread</em> ends (checked on this machine:
 *       a sandbox spawned from a thread that then ends dies at once with SIGKILL), so these
 *       threads are never retired.
 *   <li>{@code kindling-netns-<name>}: one short-lived thread per start that creates the network
 *       namespace with unshare(2), binds the listener inside, returns with setns(2) and ends.
 *   <li>{@code kindling-output-<id>}: one per sandbox with a stream sink, copying its output pipe.
 *   <li>The JDK's process reaper completes {@link io.kindling.worker.sandbox.Sandbox#exit()}.
 * </ul>
 *
 * <p>Data, each entry with its reason: {@code bwrap-flags.tsv} (every bwrap flag),
 * {@code roots/*.tsv} (root filesystems), {@code forbidden-host-paths.tsv} (what no root bind may
 * expose), {@code launch-wrapper.sh} (the launcher), {@code etc/*} (generated /etc files).
 */
package io.kindling.worker.sandbox;
