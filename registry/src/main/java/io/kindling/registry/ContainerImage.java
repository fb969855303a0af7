package io.kindling.registry;

import java.util.List;
import java.util.Objects;

/**
 * The container image a version runs (PackageType Image): as the user named it, pinned to the manifest that was
 * resolved when the code was set (so the version never changes when the tag moves), and the start settings the
 * image itself carries, which the function's {@code ImageConfig} may override.
 *
 * @param imageUri the reference as given, e.g. {@code localhost:5000/app:v1}
 * @param resolvedImageUri {@code registry/repository@sha256:…} of the platform manifest pulled
 * @param defaults the image config's ENTRYPOINT, CMD, WORKDIR and ENV
 */
public record ContainerImage(String imageUri, String resolvedImageUri, Defaults defaults) {
    public ContainerImage {
        Objects.requireNonNull(imageUri, "imageUri");
        Objects.requireNonNull(resolvedImageUri, "resolvedImageUri");
        Objects.requireNonNull(defaults, "defaults");
    }

    /**
     * What the image's config says about starting it; empty lists and a null working directory where it says nothing.
     *
     * @param environment {@code NAME=value} entries in the image's order
     */
    public record Defaults(List<String> entryPoint, List<String> command, String workingDirectory,
                           List<String> environment) {
        public Defaults {
            entryPoint = entryPoint == null ? List.of() : List.copyOf(entryPoint);
            command = command == null ? List.of() : List.copyOf(command);
            environment = environment == null ? List.of() : List.copyOf(environment);
        }
    }
}
