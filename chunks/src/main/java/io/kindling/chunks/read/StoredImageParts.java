package io.kindling.chunks.read;

import io.kindling.chunks.crypto.ChunkCorruptException;
import io.kindling.chunks.image.ImagePart;
import io.kindling.chunks.image.ImageParts;
import io.kindling.chunks.origin.ChunkMissingException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An image's parts read from the chunk store: each read fetches, decrypts and verifies only the chunks it
 * touches ({@link ImageReader} over the shared {@link ChunkCache}). A missing or corrupt chunk fails the whole read
 * with an {@link IOException} (the FUSE filesystem answers EIO), and nothing of the range is handed out. Thread-safe.
 */
public final class StoredImageParts implements ImageParts {
    private final String imageId;
    private final ImageReader reader;

    /** @param imageId names the image in error messages */
    public StoredImageParts(String imageId, ImageReader reader) {
        this.imageId = imageId;
        this.reader = reader;
    }

    @Override
    public long size(ImagePart part) {
        return reader.size(part.fileName());
    }

    @Override
    public int read(ImagePart part, long offset, ByteBuffer into) throws IOException {
        long available = size(part) - offset;
        if (available <= 0 || !into.hasRemaining()) {
            return 0;
        }
        int length = (int) Math.min(into.remaining(), available);
        // The reader writes verified chunks one after another; fill a private array so a failure half-way leaves the
        // caller's buffer untouched.
        byte[] bytes = new byte[length];
        try {
            reader.read(part.fileName(), offset, bytes, 0, length);
        } catch (ChunkMissingException | ChunkCorruptException e) {
            throw new IOException("image " + imageId + ", " + part.fileName() + " bytes " + offset + "+" + length
                    + ": " + e.getMessage(), e);
        }
        into.put(bytes);
        return length;
    }
}
