package io.kindling.chunks.read;

import io.kindling.chunks.crypto.ChunkCorruptException;
import io.kindling.chunks.manifest.ChunkEntry;
import io.kindling.chunks.manifest.Manifest;
import io.kindling.chunks.manifest.ManifestPart;
import io.kindling.chunks.manifest.StoredChunk;
import io.kindling.chunks.manifest.ZeroChunk;
import io.kindling.chunks.origin.ChunkMissingException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * Random access to the bytes of one image's parts, fetching only the chunks a read touches (through the
 * shared {@link ChunkCache}). Every byte handed out was verified against the (authenticated) manifest;
 * a missing or corrupt chunk fails the read with a typed error instead. Thread-safe.
 */
public final class ImageReader {

    private final Manifest manifest;
    private final ChunkCache cache;

    public ImageReader(Manifest manifest, ChunkCache cache) {
        this.manifest = manifest;
        this.cache = cache;
    }

    /** The size of a part, in bytes. */
    public long size(String partName) {
        return part(partName).size();
    }

    /**
     * Reads {@code length} bytes of part {@code partName} from {@code offset} into {@code destination}.
     * If it throws, the destination holds verified bytes of the chunks before the failing one and nothing
     * else of the range; callers must treat the whole range as unread.
     *
     * @throws IndexOutOfBoundsException if the range is not inside the part or does not fit the destination
     * @throws NoSuchElementException if the image has no such part
     */
    public void read(String partName, long offset, byte[] destination, int destinationOffset, int length)
            throws IOException, ChunkMissingException, ChunkCorruptException {
        Objects.checkFromIndexSize(destinationOffset, length, destination.length);
        ManifestPart part = part(partName);
        int written = 0;
        for (ChunkEntry chunk : part.covering(offset, length)) {
            long from = Math.max(offset, chunk.offset());
            int within = (int) (from - chunk.offset());
            int count = (int) Math.min(chunk.end() - from, length - written);
            switch (chunk) {
                case ZeroChunk zero -> Arrays.fill(destination, destinationOffset + written,
                        destinationOffset + written + count, (byte) 0);
                case StoredChunk stored -> {
                    ByteBuffer plaintext = cache.plaintext(stored.ref());
                    if (plaintext.remaining() != stored.length()) {
                        throw new ChunkCorruptException(stored.ref().name(),
                                "it holds " + plaintext.remaining() + " bytes where the manifest says " + stored.length());
                    }
                    plaintext.get(within, destination, destinationOffset + written, count);
                }
            }
            written += count;
        }
    }

    /** As {@link #read(String, long, byte[], int, int)}, into a new array. */
    public byte[] read(String partName, long offset, int length)
            throws IOException, ChunkMissingException, ChunkCorruptException {
        byte[] bytes = new byte[length];
        read(partName, offset, bytes, 0, length);
        return bytes;
    }

    private ManifestPart part(String partName) {
        return manifest.part(partName).orElseThrow(() -> new NoSuchElementException("the image has no part " + partName));
    }
}
