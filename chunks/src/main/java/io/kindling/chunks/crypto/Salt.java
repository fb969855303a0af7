package io.kindling.chunks.crypto;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The secret mixed into chunk keys during one epoch. Chunks ingested in different epochs get different
 * keys and names, so a popular chunk exists in a few copies and one bad copy cannot break every function.
 */
public record Salt(long epoch, byte[] bytes) {

    public Salt {
        if (bytes.length != 32) {
            throw new IllegalArgumentException("a salt has 32 bytes, not " + bytes.length);
        }
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Salt that && epoch == that.epoch && MessageDigest.isEqual(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(epoch) * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "Salt[epoch=" + epoch + ", redacted]";
    }
}
