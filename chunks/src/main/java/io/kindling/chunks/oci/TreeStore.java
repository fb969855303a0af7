package io.kindling.chunks.oci;

import io.kindling.chunks.image.ImageBuildException;
import io.kindling.chunks.oci.layers.FlattenReport;
import io.kindling.chunks.oci.registry.PulledImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What keeps an imported image's flattened tree: typically builds its EROFS image with
 * {@link io.kindling.chunks.image.ErofsBuilder.Ownership#FROM_TREE} and ingests it into the chunk store
 * under the image's manifest digest. The tree is deleted once this returns or throws.
 *
 * @param <T> what storing gives back, e.g. the ingested manifest and its report
 */
@FunctionalInterface
public interface TreeStore<T> {
    /**
     * @param image the image as resolved; {@link PulledImage#manifestDigest()} names its content exactly
     * @param tree the image's root filesystem, owners and modes as the layers gave them; read only
     * @param flattened what flattening the layers did
     */
    T store(PulledImage image, Path tree, FlattenReport flattened) throws ImageBuildException, IOException;
}
