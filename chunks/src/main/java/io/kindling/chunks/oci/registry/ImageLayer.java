package io.kindling.chunks.oci.registry;

import java.util.Objects;

/** One layer of an image, bottom first in {@link PulledImage#layers()}: its blob and how its tar is compressed. */
public record ImageLayer(Descriptor blob, LayerCompression compression) {
    public ImageLayer {
        Objects.requireNonNull(blob, "blob");
        Objects.requireNonNull(compression, "compression");
    }

    public BlobDigest digest() {
        return blob.digest();
    }

    /** The compressed size, as the manifest states it and the download must match. */
    public long size() {
        return blob.size();
    }
}
