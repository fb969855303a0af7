package io.kindling.worker.images;

/**
 * An image could not be mounted or unmounted. {@link Unavailable} means this host cannot mount
 * images at all (the caller falls back to a plain directory); {@link Failed} means this attempt failed.
 */
public abstract sealed class ImageMountException extends Exception {
    private static final long serialVersionUID = 1L;

    private ImageMountException(String message, Throwable cause) {
        super(message, cause);
    }

    /** What this host lacks for lazily mounted images. */
    public enum Missing {
        /** Not running as root (mount, loop devices and FUSE mounts need it). */
        ROOT,
        /** No usable /dev/fuse (no fuse module, or a container without the device). */
        FUSE_DEVICE,
        /** libfuse3 not installed (Debian: fuse3). */
        LIBFUSE,
        /** No /dev/loop-control, or losetup found no free loop device. */
        LOOP_DEVICE,
        /** The kernel does not know EROFS. */
        EROFS,
        /** losetup, mount or umount missing (Debian: util-linux, mount). */
        TOOL
    }

    /** This host cannot mount images; {@link #missing()} says what it lacks. Use a materialized directory instead. */
    public static final class Unavailable extends ImageMountException {
        private static final long serialVersionUID = 1L;
        private final Missing missing;

        public Unavailable(Missing missing, String detail, Throwable cause) {
            super("Lazily mounted images are unavailable on this host (" + missing + "): " + detail, cause);
            this.missing = missing;
        }

        public Missing missing() {
            return missing;
        }
    }

    /** One mount, unmount or cleanup step failed; the message names the command and what it printed. */
    public static final class Failed extends ImageMountException {
        private static final long serialVersionUID = 1L;

        public Failed(String detail, Throwable cause) {
            super(detail, cause);
        }
    }
}
