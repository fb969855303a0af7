package io.kindling.worker.images;

import java.nio.file.Path;

/**
 * One image mounted read-only as EROFS: its tree is at {@link #root()}, ready to be bound into
 * sandboxes at /var/task. Close unmounts it, detaches its loop devices and stops serving its parts.
 */
public final class MountedImage implements AutoCloseable {
    private final ImageId id;
    private final Path root;
    private final String metadataLoop;
    private final String blobLoop;
    private final ImageMounts owner;
    private boolean closed;

    MountedImage(ImageId id, Path root, String metadataLoop, String blobLoop, ImageMounts owner) {
        this.id = id;
        this.root = root;
        this.metadataLoop = metadataLoop;
        this.blobLoop = blobLoop;
        this.owner = owner;
    }

    public ImageId id() {
        return id;
    }

    /** The mounted tree, read-only. */
    public Path root() {
        return root;
    }

    String metadataLoop() {
        return metadataLoop;
    }

    String blobLoop() {
        return blobLoop;
    }

    /** Unmounts; a second call does nothing. */
    @Override
    public void close() throws ImageMountException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        owner.unmount(this);
    }

    @Override
    public String toString() {
        return "image " + id + " at " + root + " (" + metadataLoop + ", " + blobLoop + ")";
    }
}
