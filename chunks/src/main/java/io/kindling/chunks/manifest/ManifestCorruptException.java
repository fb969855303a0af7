package io.kindling.chunks.manifest;

/**
 * Sealed manifest bytes cannot be trusted: changed, truncated, sealed under another master key, or not a
 * manifest at all. Nothing from them is used.
 */
public final class ManifestCorruptException extends Exception {

    public ManifestCorruptException(String reason) {
        super("manifest rejected: " + reason);
    }

    public ManifestCorruptException(String reason, Throwable cause) {
        super("manifest rejected: " + reason, cause);
    }
}
