package io.kindling.chunks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Holds code packages by content: a package's name is the SHA-256 of its zip file, so storing the
 * same package twice stores it once, and a name always means the same bytes.
 *
 * <p>Names passed in are lower-case hex SHA-256 digests ({@link PackageSummary#sha256Hex()}); anything
 * else is an {@link IllegalArgumentException}. Implementations are thread-safe.
 */
public interface CodeStore {

    /**
     * Stores an inspected package. Atomic (the package is either fully stored or not at all) and
     * idempotent (storing a package that is already there does nothing). The input file is left where
     * it is; the caller still owns it.
     *
     * @throws PackageChangedException if {@code zipFile} no longer has the digest and size in
     *     {@code summary}; nothing is stored
     */
    StoredPackage put(Path zipFile, PackageSummary summary) throws IOException;

    /** The stored zip file, if this package is stored. */
    Optional<Path> find(String sha256Hex);

    /**
     * The package's unpacked tree, unpacking it on first use. The directory appears atomically and must
     * be treated as read-only.
     *
     * @throws java.nio.file.NoSuchFileException if the package isn't stored
     * @throws InvalidPackageException if the stored package fails validation while unpacking
     */
    Path unpacked(String sha256Hex) throws IOException, InvalidPackageException;

    /** Removes the package and its unpacked tree; removing a package that isn't stored does nothing. */
    void delete(String sha256Hex) throws IOException;
}
