package io.kindling.chunks;

import java.nio.file.Path;

/**
 * A package held by a {@link CodeStore}.
 *
 * @param sha256Hex the package's identity: lower-case hex SHA-256 of the zip file
 * @param size the zip file's size in bytes
 * @param path where the zip can be read; owned by the store, never modify or delete it directly
 */
public record StoredPackage(String sha256Hex, long size, Path path) {}
