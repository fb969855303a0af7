package io.kindling.chunks.manifest;

import io.kindling.chunks.crypto.ChunkRef;

/** A chunk held in the origin under {@code ref.name()}. */
public record StoredChunk(long offset, int length, ChunkRef ref) implements ChunkEntry {

    public StoredChunk {
        if (offset < 0 || length <= 0) {
            throw new IllegalArgumentException("a chunk needs offset >= 0 and length > 0: " + offset + ", " + length);
        }
    }
}
