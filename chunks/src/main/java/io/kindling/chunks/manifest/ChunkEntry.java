package io.kindling.chunks.manifest;

/** One chunk of a part, in order: stored in the origin, or all zeros and stored nowhere. */
public sealed interface ChunkEntry permits StoredChunk, ZeroChunk {

    /** Where the chunk starts in its part. */
    long offset();

    int length();

    /** Where the next chunk starts. */
    default long end() {
        return offset() + length();
    }
}
