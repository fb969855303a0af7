package io.kindling.chunks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * Decides whether an uploaded zip is a code package we are willing to store and run. Every entry is
 * inflated (into nothing) so sizes and checksums are counted rather than believed: the running total is
 * checked on every buffer, so zip bombs, including ones whose entries share compressed data, stop at
 * the limit without holding more than one buffer in memory. The central directory itself is held in
 * memory by the zip parser; its size is bounded by the zipped-size limit, checked before parsing.
 *
 * <p>Stateless and thread-safe.
 */
public final class ZipPackageInspector {

    private static final int HASH_BUFFER_SIZE = 64 * 1024;

    public PackageSummary inspect(Path zipFile, PackageLimits limits) throws InvalidPackageException, IOException {
        return inspect(zipFile, limits, new UnzipBudget(limits.maxUnzippedBytes()));
    }

    /** Lets tests watch the budget, to see how far inflation got before a package was refused. */
    PackageSummary inspect(Path zipFile, PackageLimits limits, UnzipBudget budget)
            throws InvalidPackageException, IOException {
        if (Files.size(zipFile) > limits.maxZippedBytes()) {
            throw InvalidPackageException.zippedTooLarge(limits.maxZippedBytes());
        }
        MessageDigest sha256 = Sha256.newDigest();
        long zippedSize = hash(zipFile, sha256, limits.maxZippedBytes());
        try (ZipFile zip = ZipArchives.open(zipFile)) {
            PackageLayout layout = PackageLayout.read(zip, limits, budget);
            for (ZipArchiveEntry entry : layout.nonLinkEntries()) {
                EntryContent.copy(zip, entry, budget, OutputStream.nullOutputStream());
            }
            return new PackageSummary(sha256.digest(), zippedSize, budget.used(), layout.entryCount());
        }
    }

    /** Hashes the file, refusing it if it turns out bigger than the limit (it may still be growing). */
    private static long hash(Path file, MessageDigest sha256, long maxBytes)
            throws InvalidPackageException, IOException {
        byte[] buffer = new byte[HASH_BUFFER_SIZE];
        long total = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (int read; (read = in.read(buffer)) >= 0; ) {
                total += read;
                if (total > maxBytes) {
                    throw InvalidPackageException.zippedTooLarge(maxBytes);
                }
                sha256.update(buffer, 0, read);
            }
        }
        return total;
    }
}
