package io.kindling.chunks.oci.registry;

import java.util.Objects;

/** What a manifest says about one blob: its media type, digest and exact size in bytes. */
public record Descriptor(String mediaType, BlobDigest digest, long size) {
    public Descriptor {
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(digest, "digest");
        if (size < 0) {
            throw new IllegalArgumentException("a blob size is not negative: " + size);
        }
    }
}
