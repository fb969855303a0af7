package io.kindling.chunks.oci.registry;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An image resolved in a registry, before its layers are fetched: the manifest for the requested
 * platform, its parsed config, and its layers bottom first.
 *
 * @param requested what was asked for (a tag, a digest, or both)
 * @param indexDigest the digest of the image index the manifest was picked from, if the reference named one
 * @param manifestDigest the digest of the platform's manifest, computed from its bytes
 */
public record PulledImage(
        ImageReference requested,
        Optional<BlobDigest> indexDigest,
        BlobDigest manifestDigest,
        String manifestMediaType,
        ContainerConfig config,
        List<ImageLayer> layers) {
    public PulledImage {
        Objects.requireNonNull(requested, "requested");
        Objects.requireNonNull(indexDigest, "indexDigest");
        Objects.requireNonNull(manifestDigest, "manifestDigest");
        Objects.requireNonNull(config, "config");
        layers = List.copyOf(layers);
    }

    /**
     * The image pinned to the exact content pulled, {@code registry/repository@sha256:…}: the platform
     * manifest's digest, so the same URI gives the same layers even if the tag moves or the index grows.
     */
    public ImageReference resolved() {
        return requested.pinned(manifestDigest);
    }

    /** The sum of the layers' compressed sizes. */
    public long compressedSize() {
        return layers.stream().mapToLong(ImageLayer::size).sum();
    }
}
