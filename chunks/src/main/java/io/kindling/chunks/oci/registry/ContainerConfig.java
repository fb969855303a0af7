package io.kindling.chunks.oci.registry;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The parts of an image's config blob a function needs to run it: what to start, where, as whom,
 * with which environment; and the platform it was built for. Empty lists and strings stand for
 * fields the image leaves unset (Docker writes {@code null}, omits them or writes {@code ""}).
 *
 * @param env {@code NAME=value} entries in the image's order
 */
public record ContainerConfig(
        List<String> entrypoint,
        List<String> cmd,
        Optional<String> workingDir,
        List<String> env,
        Optional<String> user,
        String os,
        String architecture) {
    public ContainerConfig {
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        env = List.copyOf(env);
        Objects.requireNonNull(workingDir, "workingDir");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
    }

    public Platform platform() {
        return new Platform(os, architecture);
    }
}
