package io.kindling.chunks.oci;

import io.kindling.chunks.oci.layers.FlattenReport;
import io.kindling.chunks.oci.registry.ContainerConfig;
import io.kindling.chunks.oci.registry.ImageReference;
import java.util.Objects;

/**
 * A container image imported: what the control plane keeps to run it later.
 *
 * @param resolved {@code registry/repository@sha256:…} of the platform manifest imported: the same URI
 *     gives the same layers even if the tag moves
 * @param config what to start, where, as whom, with which environment
 * @param flattened what flattening the layers did (files, whiteouts, skipped device nodes…)
 * @param stored what the {@link TreeStore} gave back
 * @param <T> the store's result
 */
public record ImportedImage<T>(ImageReference resolved, ContainerConfig config, FlattenReport flattened, T stored) {
    public ImportedImage {
        Objects.requireNonNull(resolved, "resolved");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(flattened, "flattened");
    }
}
