package io.kindling.chunks.crypto;

/**
 * A chunk's bytes are not what its name or its manifest promise: its ciphertext does not hash to its
 * name, or its plaintext does not hash to the manifest's hash. The bytes are never handed out.
 */
public final class ChunkCorruptException extends Exception {

    private final Digest256 name;

    public ChunkCorruptException(Digest256 name, String reason) {
        super("chunk " + name.hex() + " is corrupt: " + reason);
        this.name = name;
    }

    public Digest256 name() {
        return name;
    }
}
