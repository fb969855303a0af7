package io.kindling.chunks.image;

/**
 * An EROFS image could not be built. Each subtype's message says what to do about it; {@link Failed}
 * carries mkfs.erofs's own words.
 */
public abstract sealed class ImageBuildException extends Exception {
    private static final long serialVersionUID = 1L;

    private ImageBuildException(String message, Throwable cause) {
        super(message, cause);
    }

    /** mkfs.erofs is not installed (Debian: erofs-utils) or could not be started. */
    public static final class ToolMissing extends ImageBuildException {
        private static final long serialVersionUID = 1L;

        ToolMissing(String tool, Throwable cause) {
            super(tool + " cannot be run; install Debian's erofs-utils: " + cause.getMessage(), cause);
        }
    }

    /** The source is not a directory, or the output could not be written or moved into place. */
    public static final class BadInput extends ImageBuildException {
        private static final long serialVersionUID = 1L;

        BadInput(String detail, Throwable cause) {
            super(detail, cause);
        }
    }

    /** mkfs.erofs ran and failed, or did not finish in time; the message holds what it printed. */
    public static final class Failed extends ImageBuildException {
        private static final long serialVersionUID = 1L;

        Failed(String detail, Throwable cause) {
            super(detail, cause);
        }
    }
}
