package io.kindling.chunks.crypto;

import java.util.Arrays;

/** A chunk's AES-256 key. Never printed. */
public record ChunkKey(byte[] bytes) {

    public static final int LENGTH = 32;

    public ChunkKey {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("an AES-256 key has 32 bytes, not " + bytes.length);
        }
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ChunkKey that && java.security.MessageDigest.isEqual(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "ChunkKey[redacted]";
    }
}
