package io.kindling.chunks;

import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * What inspection learned about a valid package.
 *
 * @param sha256 digest of the zip file's bytes, the package's identity in the code store
 * @param zippedSize size of the zip file
 * @param unzippedSize total bytes of all inflated entry contents, as actually counted (not as declared)
 * @param entryCount number of entries in the zip's central directory
 */
public record PackageSummary(byte[] sha256, long zippedSize, long unzippedSize, int entryCount) {

    public PackageSummary {
        if (sha256.length != 32) {
            throw new IllegalArgumentException("sha256 must be 32 bytes, was " + sha256.length);
        }
        sha256 = sha256.clone();
    }

    @Override
    public byte[] sha256() {
        return sha256.clone();
    }

    /** Lower-case hex, the form the code store uses for names. */
    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256);
    }

    /** Standard base64, the form Lambda reports as {@code CodeSha256}. */
    public String sha256Base64() {
        return Base64.getEncoder().encodeToString(sha256);
    }

    // Records compare arrays by identity; a summary is a value, so compare the digest's content.
    @Override
    public boolean equals(Object other) {
        return other instanceof PackageSummary that
                && Arrays.equals(sha256, that.sha256)
                && zippedSize == that.zippedSize
                && unzippedSize == that.unzippedSize
                && entryCount == that.entryCount;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(sha256) + Long.hashCode(zippedSize);
    }

    @Override
    public String toString() {
        return "PackageSummary[sha256=" + sha256Hex() + ", zippedSize=" + zippedSize + ", unzippedSize="
                + unzippedSize + ", entryCount=" + entryCount + "]";
    }
}
