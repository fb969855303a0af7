package io.kindling.chunks.origin;

import io.kindling.chunks.crypto.ChunkCorruptException;
import io.kindling.chunks.crypto.Digest256;
import java.io.IOException;
import java.util.stream.Stream;

/**
 * The durable home of encrypted chunks, addressed by the SHA-256 of their bytes. A local directory now;
 * an S3-compatible bucket later. Implementations are thread-safe.
 */
public interface OriginStore {

    /**
     * Stores {@code ciphertext} under {@code name}, atomically: readers see all of it or nothing.
     * Idempotent: storing a name that is already there changes nothing.
     *
     * @return true if the chunk was not there before (newly stored), false if it was
     * @throws IllegalArgumentException if {@code ciphertext} does not hash to {@code name}
     */
    boolean put(Digest256 name, byte[] ciphertext) throws IOException;

    /**
     * The chunk's bytes, checked against its name.
     *
     * @throws ChunkMissingException if there is no such chunk
     * @throws ChunkCorruptException if the stored bytes no longer hash to the name
     */
    byte[] get(Digest256 name) throws IOException, ChunkMissingException, ChunkCorruptException;

    boolean exists(Digest256 name) throws IOException;

    /**
     * Removes the chunk, atomically: readers see all of it or none. Against a concurrent {@link #put} of the same
     * name the store promises only that each is atomic, in some order: the chunk ends up there or not, never torn.
     * In particular a put that answered "already there" may be followed by this delete; keeping a chunk an ingest
     * still needs is the caller's part (garbage collection deletes only through {@code ChunkPins}, which an ingest
     * pins before its put).
     *
     * @return whether there was such a chunk
     */
    boolean delete(Digest256 name) throws IOException;

    /**
     * Every stored chunk with its size and when it was stored, for garbage collection (whose grace period
     * spares chunks stored after its mark began). Close the stream.
     */
    Stream<StoredObject> list() throws IOException;
}
