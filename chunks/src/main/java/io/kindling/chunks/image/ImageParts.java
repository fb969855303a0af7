package io.kindling.chunks.image;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Random read access to an image's two parts, whatever holds them: plain files ({@link FileImageParts}),
 * or the chunk store's read path, which fetches and verifies only the chunks a read touches. The
 * worker's FUSE filesystem serves each part as a read-only file through this interface, so a read
 * of the mounted image turns into exactly the byte ranges the kernel asks for.
 *
 * <p>Implementations are called from several FUSE threads at once and must be thread-safe.
 */
public interface ImageParts {

    /** The part's length in bytes; fixed for the life of the image. */
    long size(ImagePart part);

    /**
     * Reads bytes of {@code part} starting at {@code offset} into {@code into} (from its position to
     * its limit, advancing the position) and returns how many were read: fewer than asked only at
     * the end of the part, 0 at or past the end. Never hands out a byte that was not verified.
     */
    int read(ImagePart part, long offset, ByteBuffer into) throws IOException;
}
