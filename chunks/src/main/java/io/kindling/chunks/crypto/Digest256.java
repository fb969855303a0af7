package io.kindling.chunks.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A SHA-256 digest: a chunk's name (of its ciphertext) or its plaintext hash. Compared by value, shown
 * as 64 lowercase hex digits.
 */
public record Digest256(byte[] bytes) {

    public static final int LENGTH = 32;
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    public Digest256 {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, not " + bytes.length);
        }
        bytes = bytes.clone();
    }

    public static Digest256 of(byte[] data) {
        return new Digest256(newDigest().digest(data));
    }

    /**
     * Parses 64 lowercase hex digits; anything else is refused, since names become file names.
     *
     * @throws IllegalArgumentException if {@code hex} is not exactly that
     */
    public static Digest256 fromHex(String hex) {
        if (!HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("not a lowercase hex SHA-256: " + hex);
        }
        return new Digest256(HexFormat.of().parseHex(hex));
    }

    public static boolean isHex(String candidate) {
        return HEX.matcher(candidate).matches();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    /** Compares in constant time: a digest may be checked against attacker-chosen bytes. */
    public boolean matches(byte[] digest) {
        return MessageDigest.isEqual(bytes, digest);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Digest256 that && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
