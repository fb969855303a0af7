package io.kindling.chunks.crypto;

import java.io.IOException;
import java.nio.file.Path;

/** The master key file may be read by others than its owner (or is no plain file), so it is not used. */
public final class InsecureKeyFileException extends IOException {

    public InsecureKeyFileException(Path file, String reason) {
        super("refusing the key file " + file + ": " + reason);
    }
}
