package io.kindling.chunks.oci.registry;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where an image's manifest, config and layers come from: an OCI registry ({@link RegistryClient}) or an OCI image
 * layout on disk ({@link OciLayoutSource}). Both resolve the same way (platform picked from an index, media types,
 * the size gate, every digest checked; the shared rules are in {@code ImageResolution}) and fail with the same
 * {@link RegistryPullException}s, so an import does not care which one it reads.
 */
public interface ImageSource {
    /**
     * Resolves {@code image} to the manifest for {@code platform} and reads its config; checks the layers' media types
     * and total size before anything large is read.
     */
    PulledImage resolve(ImageReference image, Platform platform) throws RegistryPullException, InterruptedException;

    /**
     * The layer's blob as {@code dir/sha256-<hex>}, verified against its digest and size; written to a temporary file
     * in {@code dir} and renamed into place only when right, so an existing file of that name is trusted (and reported
     * as not {@link FetchedLayer#downloaded()}). The caller may delete the file.
     */
    FetchedLayer fetchLayer(ImageReference image, ImageLayer layer, Path dir)
            throws RegistryPullException, IOException, InterruptedException;
}
