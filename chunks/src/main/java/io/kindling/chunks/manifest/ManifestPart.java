package io.kindling.chunks.manifest;

import java.util.List;

/**
 * One file of an image (the EROFS metadata image, the data blob) as its chunks in order. The chunks tile
 * the part exactly: the first starts at 0, each starts where the previous ends, the last ends at
 * {@code size}. That is what lets {@link #covering} find chunks by binary search.
 *
 * @param name a short label such as {@code meta} or {@code blob}, 1–255 bytes of UTF-8
 */
public record ManifestPart(String name, long size, List<ChunkEntry> chunks) {

    public ManifestPart {
        if (name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
            throw new IllegalArgumentException("a part name has 1-255 bytes: '" + name + "'");
        }
        chunks = List.copyOf(chunks);
        long expected = 0;
        for (ChunkEntry chunk : chunks) {
            if (chunk.offset() != expected) {
                throw new IllegalArgumentException("part " + name + ": a chunk starts at " + chunk.offset()
                        + " where " + expected + " was expected");
            }
            expected = chunk.end();
        }
        if (expected != size) {
            throw new IllegalArgumentException("part " + name + ": chunks cover " + expected + " bytes of " + size);
        }
    }

    /**
     * The chunks holding bytes {@code [offset, offset + length)}, in order; empty for an empty range.
     *
     * @throws IndexOutOfBoundsException if the range is not inside the part
     */
    public List<ChunkEntry> covering(long offset, long length) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IndexOutOfBoundsException("range [" + offset + ", +" + length + ") of part " + name
                    + " with " + size + " bytes");
        }
        if (length == 0) {
            return List.of();
        }
        int first = indexOf(offset);
        int last = indexOf(offset + length - 1);
        return chunks.subList(first, last + 1);
    }

    /** The index of the chunk holding byte {@code position}, which must be inside the part. */
    int indexOf(long position) {
        int low = 0;
        int high = chunks.size() - 1;
        while (low < high) {
            int mid = (low + high + 1) >>> 1;
            if (chunks.get(mid).offset() <= position) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        return low;
    }
}
