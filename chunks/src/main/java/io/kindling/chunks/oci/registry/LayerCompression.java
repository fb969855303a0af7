package io.kindling.chunks.oci.registry;

import java.util.Optional;

/**
 * How a layer's tar is compressed, read from its media type. The registry client never decompresses;
 * this tells the layer reader which decompressor to put in front of the tar.
 */
public enum LayerCompression {
    NONE,
    GZIP,
    ZSTD;

    /**
     * The compression of a layer media type that can be pulled: OCI's {@code tar}, {@code tar+gzip},
     * {@code tar+zstd} and Docker's {@code tar.gzip}; empty for anything else, including the
     * non-distributable (foreign) layers, which live outside the registry.
     */
    static Optional<LayerCompression> ofMediaType(String mediaType) {
        return Optional.ofNullable(switch (mediaType) {
            case MediaTypes.OCI_LAYER, MediaTypes.DOCKER_LAYER -> NONE;
            case MediaTypes.OCI_LAYER_GZIP, MediaTypes.DOCKER_LAYER_GZIP -> GZIP;
            case MediaTypes.OCI_LAYER_ZSTD -> ZSTD;
            default -> null;
        });
    }
}
