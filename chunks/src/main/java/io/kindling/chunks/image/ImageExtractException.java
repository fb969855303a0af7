package io.kindling.chunks.image;

/**
 * An image could not be extracted into a directory ({@link ErofsExtractor}). Whatever the subtype, nothing of the
 * tree is left at the target.
 */
public abstract sealed class ImageExtractException extends Exception {
    private static final long serialVersionUID = 1L;

    private ImageExtractException(String message, Throwable cause) {
        super(message, cause);
    }

    /** fsck.erofs is not installed (Debian: erofs-utils) or could not be started. */
    public static final class ToolMissing extends ImageExtractException {
        private static final long serialVersionUID = 1L;

        ToolMissing(String tool, Throwable cause) {
            super(tool + " cannot be run; install Debian's erofs-utils: " + cause.getMessage(), cause);
        }
    }

    /** A part could not be read from its source, e.g. a chunk of it is missing or corrupt; the cause says which. */
    public static final class PartUnreadable extends ImageExtractException {
        private static final long serialVersionUID = 1L;

        PartUnreadable(ImagePart part, Throwable cause) {
            super("the image's " + part.fileName() + " part cannot be read: " + cause.getMessage(), cause);
        }
    }

    /**
     * fsck.erofs ran and failed (the image does not check out) or did not finish in time, or the local files could
     * not be written or moved; the message holds the tool's own words.
     */
    public static final class Failed extends ImageExtractException {
        private static final long serialVersionUID = 1L;

        Failed(String detail, Throwable cause) {
            super(detail, cause);
        }
    }
}
