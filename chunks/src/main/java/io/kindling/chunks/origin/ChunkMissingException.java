package io.kindling.chunks.origin;

import io.kindling.chunks.crypto.Digest256;

/** A manifest names a chunk the origin does not have (deleted, or never stored). */
public final class ChunkMissingException extends Exception {

    private final Digest256 name;

    public ChunkMissingException(Digest256 name) {
        super("chunk " + name.hex() + " is missing from the origin");
        this.name = name;
    }

    public Digest256 name() {
        return name;
    }
}
