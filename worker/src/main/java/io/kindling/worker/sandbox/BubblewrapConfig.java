package io.kindling.worker.sandbox;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How the bubblewrap driver finds its tools and where it keeps its state.
 *
 * @param namePrefix prefix of everything the driver creates on the host: network namespace
 *     {@code <prefix>-<id>}, cgroup {@code <prefix>/<id>} in each hierarchy, scratch dir
 *     {@code <scratchRoot>/<prefix>-<id>}; {@code kindling} by default. Tests use their own, so
 *     their {@link SandboxDriver#cleanLeftovers()} never touches a real worker's sandboxes.
 * @param scratchRoot where per-sandbox scratch directories (generated /etc files) live; must be
 *     traversable by the sandbox uid. Default {@code /run/kindling}: tmpfs, emptied at boot.
 * @param cgroupRoot where the cgroup hierarchies are mounted; default {@code /sys/fs/cgroup}
 * @param runtimeApiAddress where the Runtime API listener is bound inside each sandbox's network
 *     namespace; Lambda's runtimes expect {@code 127.0.0.1:9001}
 * @param sandboxUid uid the function runs as, inside and on the host; 993 as Lambda's sbx_user1051.
 *     No host account should own files under that uid.
 * @param sandboxGid gid to match
 * @param hostname the sandbox's hostname (its own UTS namespace)
 * @param dataDirectories Kindling data directories that no root bind may expose
 * @param commandTimeout limit for each start-up step that waits on another thread (the namespace thread)
 * @param stopTimeout how long close() waits for processes to die and cgroups to empty
 */
public record BubblewrapConfig(
        String namePrefix,
        Path bwrap,
        Path nsenter,
        Path shell,
        Path scratchRoot,
        Path cgroupRoot,
        InetSocketAddress runtimeApiAddress,
        int sandboxUid,
        int sandboxGid,
        String hostname,
        List<Path> dataDirectories,
        Duration commandTimeout,
        Duration stopTimeout) {
    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9-]{0,31}");

    public BubblewrapConfig {
        Objects.requireNonNull(namePrefix, "namePrefix");
        if (!PREFIX.matcher(namePrefix).matches()) {
            throw new IllegalArgumentException("namePrefix must match " + PREFIX + ": " + namePrefix);
        }
        for (Path p : List.of(bwrap, nsenter, shell, scratchRoot, cgroupRoot)) {
            if (!p.isAbsolute()) {
                throw new IllegalArgumentException("paths must be absolute: " + p);
            }
        }
        Objects.requireNonNull(runtimeApiAddress, "runtimeApiAddress");
        if (sandboxUid <= 0 || sandboxGid <= 0) {
            throw new IllegalArgumentException("the sandbox must not run as root (uid/gid 0)");
        }
        Objects.requireNonNull(hostname, "hostname");
        dataDirectories = List.copyOf(dataDirectories);
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        Objects.requireNonNull(stopTimeout, "stopTimeout");
    }

    public static BubblewrapConfig defaults() {
        return new BubblewrapConfig(
                "kindling",
                Path.of("/usr/bin/bwrap"),
                Path.of("/usr/bin/nsenter"),
                Path.of("/bin/sh"),
                Path.of("/run/kindling"),
                Path.of("/sys/fs/cgroup"),
                new InetSocketAddress("127.0.0.1", 9001),
                993,
                993,
                "sandbox",
                List.of(),
                Duration.ofSeconds(10),
                Duration.ofSeconds(10));
    }

    public BubblewrapConfig withNamePrefix(String prefix) {
        return new BubblewrapConfig(prefix, bwrap, nsenter, shell, scratchRoot, cgroupRoot, runtimeApiAddress,
                sandboxUid, sandboxGid, hostname, dataDirectories, commandTimeout, stopTimeout);
    }

    public BubblewrapConfig withScratchRoot(Path root) {
        return new BubblewrapConfig(namePrefix, bwrap, nsenter, shell, root, cgroupRoot, runtimeApiAddress,
                sandboxUid, sandboxGid, hostname, dataDirectories, commandTimeout, stopTimeout);
    }

    public BubblewrapConfig withDataDirectories(List<Path> directories) {
        return new BubblewrapConfig(namePrefix, bwrap, nsenter, shell, scratchRoot, cgroupRoot, runtimeApiAddress,
                sandboxUid, sandboxGid, hostname, directories, commandTimeout, stopTimeout);
    }

    /** The network namespace of a sandbox, as {@code ip netns} names it. */
    String netnsName(String id) {
        return namePrefix + "-" + id;
    }
}
