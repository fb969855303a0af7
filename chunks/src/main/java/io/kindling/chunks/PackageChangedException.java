package io.kindling.chunks;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The file handed to {@link CodeStore#put} is not the file that was inspected: its bytes don't hash to
 * the inspected digest. Storing it would give unvalidated content a validated name, so nothing is stored.
 */
public final class PackageChangedException extends IOException {

    private static final long serialVersionUID = 1L;

    public PackageChangedException(Path zipFile, String expectedSha256Hex, String actualSha256Hex, long actualSize) {
        super("code package " + zipFile + " changed after inspection: expected sha256 " + expectedSha256Hex
                + " but read " + actualSize + " bytes with sha256 " + actualSha256Hex);
    }
}
