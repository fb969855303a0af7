package io.kindling.chunks.oci.layers;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One layer of an image as the registry client hands it over: the compressed blob, already verified
 * against its digest, and the media type the manifest gave it.
 *
 * @param file the blob as fetched (gzip, zstd or plain tar); the flattener only reads it
 * @param mediaType the layer's media type from the image manifest, e.g.
 *     {@code application/vnd.oci.image.layer.v1.tar+gzip}
 */
public record LayerBlob(Path file, String mediaType) {
    public LayerBlob {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(mediaType, "mediaType");
    }
}
