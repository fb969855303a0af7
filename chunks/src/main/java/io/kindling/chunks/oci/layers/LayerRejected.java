package io.kindling.chunks.oci.layers;

import io.kindling.chunks.InvalidPackageException;
import java.util.Objects;

/**
 * An image's layers were refused, and nothing of them was kept. The message is written for the person
 * who pushed the image and names the layer (from 1, base first) and the entry; {@link #problem()} is
 * for code that needs to tell the cases apart.
 */
public final class LayerRejected extends Exception {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the layer. */
    public enum Problem {
        /** The media type is not an image layer's. */
        UNSUPPORTED_MEDIA_TYPE,
        /** The blob does not decompress, or is not a tar. */
        CORRUPT_LAYER,
        /** An absolute path, a {@code ..} segment, NUL, or a name longer than Linux allows. */
        UNSAFE_PATH,
        /** An entry below a path that is a symbolic link or a file, which writing it would go through. */
        ENTRY_UNDER_NON_DIRECTORY,
        /** A hard link to a path that is not in the tree (yet), or to a directory. */
        BAD_HARDLINK,
        /** A tar entry type the flattener cannot represent faithfully (sparse files). */
        UNSUPPORTED_ENTRY,
        /** The layers decompress to more than the limit. */
        TOO_LARGE,
        /** The layers hold more entries than the limit. */
        TOO_MANY_ENTRIES
    }

    private final Problem problem;

    private LayerRejected(Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    public Problem problem() {
        return problem;
    }

    /**
     * This rejection told about {@code image}: the same problem, the message prefixed with the image's
     * name, for a caller that flattened the layers of an image it pulled.
     */
    public LayerRejected forImage(String image) {
        return new LayerRejected(problem, "The image " + image + " was refused. " + getMessage(), this);
    }

    static LayerRejected unsupportedMediaType(int layer, String mediaType) {
        return new LayerRejected(Problem.UNSUPPORTED_MEDIA_TYPE, "Layer " + layer + " has the media type "
                + quote(mediaType) + ", which is not an image layer's (a tar, plain, gzip or zstd).", null);
    }

    static LayerRejected corrupt(int layer, String detail, Throwable cause) {
        return new LayerRejected(Problem.CORRUPT_LAYER, "Layer " + layer + " cannot be read: " + detail + ".", cause);
    }

    static LayerRejected unsafePath(int layer, String entry, String reason) {
        return new LayerRejected(Problem.UNSAFE_PATH, "Layer " + layer + " holds an entry with an unsafe path "
                + quote(entry) + ": " + reason + ". Layer paths must be relative paths inside the image.", null);
    }

    static LayerRejected underNonDirectory(int layer, String entry, String parent, String parentKind) {
        return new LayerRejected(Problem.ENTRY_UNDER_NON_DIRECTORY, "Layer " + layer + " holds the entry "
                + quote(entry) + " below " + quote(parent) + ", which is a " + parentKind
                + " at that point; an entry is never written through a link or into a file.", null);
    }

    static LayerRejected badHardlink(int layer, String entry, String target, String reason) {
        return new LayerRejected(Problem.BAD_HARDLINK, "Layer " + layer + " holds the hard link " + quote(entry)
                + " to " + quote(target) + ", which " + reason + ".", null);
    }

    static LayerRejected unsupportedEntry(int layer, String entry, String reason) {
        return new LayerRejected(Problem.UNSUPPORTED_ENTRY, "Layer " + layer + " holds the entry " + quote(entry)
                + ", which is not supported: " + reason + ".", null);
    }

    static LayerRejected tooLarge(long limit) {
        return new LayerRejected(Problem.TOO_LARGE,
                "The image's layers are larger than " + limit + " bytes uncompressed.", null);
    }

    static LayerRejected tooManyEntries(long limit) {
        return new LayerRejected(Problem.TOO_MANY_ENTRIES,
                "The image's layers hold more than " + limit + " entries.", null);
    }

    private static String quote(String name) {
        return InvalidPackageException.quote(name);
    }
}
