package io.kindling.chunks.manifest;

/** A chunk of zeros: not stored, read as zeros (file systems images have many). */
public record ZeroChunk(long offset, int length) implements ChunkEntry {

    public ZeroChunk {
        if (offset < 0 || length <= 0) {
            throw new IllegalArgumentException("a chunk needs offset >= 0 and length > 0: " + offset + ", " + length);
        }
    }
}
