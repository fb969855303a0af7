package io.kindling.registry;

import java.util.Objects;
import java.util.Optional;

/**
 * A version's code: a zip package, named by its SHA-256 (hex, as the code store names it) with its size in bytes; or a
 * container image, named by the SHA-256 of its platform manifest (hex) with the sum of its layers' sizes.
 */
public record CodeRef(String sha256Hex, long size, Optional<ContainerImage> image) {
    public CodeRef {
        Objects.requireNonNull(sha256Hex, "sha256Hex");
        Objects.requireNonNull(image, "image");
    }

    /** A zip package. */
    public CodeRef(String sha256Hex, long size) {
        this(sha256Hex, size, Optional.empty());
    }

    public boolean isImage() {
        return image.isPresent();
    }
}
