package io.kindling.chunks.oci.registry;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest as OCI writes it, {@code sha256:<64 lowercase hex>}. Only SHA-256 is accepted: it
 * is what every registry and builder uses, and refusing the rest keeps file names derived from
 * digests safe.
 */
public record BlobDigest(String hex) {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
    static final String PREFIX = "sha256:";

    public BlobDigest {
        if (!HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("not a lowercase hex SHA-256: " + hex);
        }
    }

    /**
     * Parses {@code sha256:<hex>}.
     *
     * @throws IllegalArgumentException for another algorithm or a malformed value
     */
    public static BlobDigest parse(String digest) {
        if (!digest.startsWith(PREFIX)) {
            throw new IllegalArgumentException("only sha256 digests are supported, not " + digest);
        }
        return new BlobDigest(digest.substring(PREFIX.length()));
    }

    /** The digest of {@code bytes}. */
    public static BlobDigest of(byte[] bytes) {
        return new BlobDigest(HexFormat.of().formatHex(newSha256().digest(bytes)));
    }

    /** The digest {@code hashing} has computed so far; it is reset. */
    static BlobDigest finish(MessageDigest hashing) {
        return new BlobDigest(HexFormat.of().formatHex(hashing.digest()));
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform is required to provide SHA-256.
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** A file name for the blob: {@code sha256-<hex>} (no colon, which some tools treat specially). */
    public String fileName() {
        return "sha256-" + hex;
    }

    @Override
    public String toString() {
        return PREFIX + hex;
    }
}
