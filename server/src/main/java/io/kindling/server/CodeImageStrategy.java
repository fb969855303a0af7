package io.kindling.server;

import io.kindling.chunks.image.ImageParts;
import io.kindling.server.CodeImages.CodeUnavailable;
import io.kindling.worker.images.ImageId;
import java.nio.file.Path;

/**
 * How this worker turns a stored code image into the directory sandboxes bind at /var/task: mounted lazily where the
 * host can ({@link MountedCodeImages}), or materialized from its chunks into a plain directory where it cannot or
 * configuration says so ({@link MaterializedCodeImages}). {@link CodeImages} decides when a tree is made and removed;
 * a strategy only knows how.
 */
sealed interface CodeImageStrategy extends AutoCloseable permits MountedCodeImages, MaterializedCodeImages {

    /**
     * Where the tree of image {@code id} appears: always the same path, so a version's spec (and its pool) stays the
     * same when the tree is made again after it was removed. Its last element is the package's SHA-256.
     */
    Path root(ImageId id);

    /**
     * Makes the tree of the image whose parts {@code parts} reads at {@link #root}. Blocks while it works; safe on a
     * virtual thread. Never called twice for one image without {@link CodeImageTree#remove} in between.
     *
     * @throws CodeUnavailable if the tree cannot be made (a chunk missing or corrupt, a tool failing); nothing of it
     *     is left at {@link #root}
     */
    CodeImageTree make(ImageId id, ImageParts parts) throws CodeUnavailable;

    /** Removes every tree still there and whatever else the strategy holds; call once no sandbox uses them. */
    @Override
    void close();

    /** One image's tree, from {@link #make} until it is removed. */
    interface CodeImageTree {
        /** The tree, ready to be bound read-only. */
        Path root();

        /**
         * Unmounts or deletes the tree.
         *
         * @return false if that failed (logged): what is left may still read chunks, and the next start removes it
         */
        boolean remove();
    }
}
