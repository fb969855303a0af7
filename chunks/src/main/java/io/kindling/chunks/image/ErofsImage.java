package io.kindling.chunks.image;

import java.nio.file.Path;
import java.util.Objects;

/** The two files of one built EROFS image. */
public record ErofsImage(Path metadata, Path blob) {
    public ErofsImage {
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(blob, "blob");
    }

    /** The file holding {@code part}. */
    public Path file(ImagePart part) {
        return switch (part) {
            case METADATA -> metadata;
            case BLOB -> blob;
        };
    }
}
