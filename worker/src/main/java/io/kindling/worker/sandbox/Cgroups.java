package io.kindling.worker.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The host's cgroup hierarchy, v1 or v2, as far as sandboxes need it: a cgroup per sandbox under
 * {@code <prefix>/<id>}, with limits written before any process joins.
 */
sealed interface Cgroups permits CgroupsV1, CgroupsV2 {
    /**
     * v2 when the root is a cgroup2 mount ({@code cgroup.controllers} exists there); otherwise v1
     * with one mount per controller under the root, found in /proc/self/mountinfo. A hybrid host
     * (v1 controllers plus an empty cgroup2 at {@code unified/}, as here) counts as v1.
     */
    static Cgroups detect(Path root, String prefix) throws SandboxException {
        if (Files.exists(root.resolve("cgroup.controllers"))) {
            return new CgroupsV2(root, prefix);
        }
        try {
            return CgroupsV1.fromMountInfo(root, prefix, Files.readString(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            throw new SandboxException.CgroupFailed("reading /proc/self/mountinfo: " + e, e);
        }
    }

    /**
     * Creates the sandbox's cgroup(s) with no limits written (unlimited until {@link SandboxCgroup#limit}); fails if
     * they already exist. Nothing may join before the limits are written.
     */
    SandboxCgroup create(String id) throws SandboxException;

    /** Creates the sandbox's cgroup(s) and writes its limits. Fails if they already exist. */
    default SandboxCgroup create(String id, SandboxLimits limits) throws SandboxException {
        SandboxCgroup cgroup = create(id);
        try {
            cgroup.limit(limits);
            return cgroup;
        } catch (SandboxException e) {
            try {
                cgroup.remove(Duration.ofSeconds(1));
            } catch (SandboxException cleanup) {
                e.addSuppressed(cleanup); // empty and just created: cleanLeftovers() gets it otherwise
            }
            throw e;
        }
    }

    /** The sandbox cgroup(s) of every id found under the prefix, for cleanup. */
    List<SandboxCgroup> existing() throws SandboxException;

    /**
     * Removes the prefix's parent cgroup(s) if no sandbox cgroup is left under them; a worker that stops leaves
     * nothing behind. Failures (one is still in use) are ignored: the next start reuses them.
     */
    void removeEmptyParents();

    /** "v1" or "v2", for logs. */
    String version();
}
