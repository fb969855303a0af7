package io.kindling.chunks;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CodeStore} on the local file system, laid out as
 * <pre>
 *   root/packages/ab/abcdef…​.zip   the zip, fanned out by the first two hex digits
 *   root/unpacked/abcdef…​/         its unpacked tree, created on first use
 * </pre>
 * Everything appears by atomic rename of a fsynced temporary named {@code *.tmp} in the same directory,
 * so a crash leaves at most temporaries, which the constructor removes. One store per root: two
 * processes sharing a root would remove each other's temporaries.
 *
 * <p>{@link #put} copies the input rather than moving it: the copy is hashed as it is written, so what
 * ends up under a digest's name provably has that digest even if the input changed after inspection,
 * and the input may live on any file system. The caller keeps (and should delete) its file.
 */
public final class LocalCodeStore implements CodeStore {

    private static final Logger log = LoggerFactory.getLogger(LocalCodeStore.class);

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final String TEMP_SUFFIX = ZipPackageUnpacker.TEMP_SUFFIX;
    private static final int COPY_BUFFER_SIZE = 64 * 1024;

    private final Path packagesDir;
    private final Path unpackedDir;
    private final PackageLimits limits;
    private final ZipPackageUnpacker unpacker = new ZipPackageUnpacker();
    /** So concurrent cold starts of one function unpack its package once, not once each. */
    private final ConcurrentHashMap<String, ReentrantLock> unpacking = new ConcurrentHashMap<>();

    /** A store whose unpacking enforces Lambda's limits. */
    public LocalCodeStore(Path root) throws IOException {
        this(root, PackageLimits.lambdaDefaults());
    }

    /**
     * @param limits enforced again when unpacking, in case a stored package never went through the
     *     inspector or limits have since been lowered
     */
    public LocalCodeStore(Path root, PackageLimits limits) throws IOException {
        this.packagesDir = root.resolve("packages");
        this.unpackedDir = root.resolve("unpacked");
        this.limits = limits;
        Files.createDirectories(packagesDir);
        Files.createDirectories(unpackedDir);
        removeStaleTemporaries();
    }

    @Override
    public StoredPackage put(Path zipFile, PackageSummary summary) throws IOException {
        String hex = summary.sha256Hex();
        Path target = packagePath(hex);
        if (Files.isRegularFile(target, NOFOLLOW_LINKS)) {
            return new StoredPackage(hex, Files.size(target), target);
        }
        Path shard = target.getParent();
        boolean newShard = !Files.isDirectory(shard);
        Files.createDirectories(shard);
        Path temp = Files.createTempFile(shard, hex + ".", TEMP_SUFFIX);
        try {
            copyVerified(zipFile, temp, summary);
            // A concurrent put may have won meanwhile; replacing its file with identical bytes is
            // harmless (rename is atomic, open readers keep the old inode), so no need to check again.
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            FileTrees.fsyncDirectory(shard);
            if (newShard) {
                FileTrees.fsyncDirectory(packagesDir);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        return new StoredPackage(hex, summary.zippedSize(), target);
    }

    @Override
    public Optional<Path> find(String sha256Hex) {
        Path path = packagePath(requireSha256Hex(sha256Hex));
        return Files.isRegularFile(path, NOFOLLOW_LINKS) ? Optional.of(path) : Optional.empty();
    }

    @Override
    public Path unpacked(String sha256Hex) throws IOException, InvalidPackageException {
        Path directory = unpackedDir.resolve(requireSha256Hex(sha256Hex));
        if (Files.isDirectory(directory, NOFOLLOW_LINKS)) {
            return directory;
        }
        ReentrantLock lock = unpacking.computeIfAbsent(sha256Hex, hex -> new ReentrantLock());
        lock.lock();
        try {
            if (Files.isDirectory(directory, NOFOLLOW_LINKS)) {
                return directory;
            }
            Path zip = find(sha256Hex).orElseThrow(() -> new NoSuchFileException(
                    packagePath(sha256Hex).toString(), null, "no stored code package with sha256 " + sha256Hex));
            unpacker.unpack(zip, directory, limits);
            return directory;
        } finally {
            lock.unlock();
            // Waiters still holding this lock find the directory (or unpack again) either way.
            unpacking.remove(sha256Hex, lock);
        }
    }

    @Override
    public void delete(String sha256Hex) throws IOException {
        Files.deleteIfExists(packagePath(requireSha256Hex(sha256Hex)));
        Path directory = unpackedDir.resolve(sha256Hex);
        if (!Files.isDirectory(directory, NOFOLLOW_LINKS)) {
            return;
        }
        // Rename first so nobody is handed a half-deleted tree, and a crash leaves only a temporary.
        Path doomed = unpackedDir.resolve("." + sha256Hex + "." + UUID.randomUUID() + TEMP_SUFFIX);
        try {
            Files.move(directory, doomed, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return; // deleted concurrently
        }
        FileTrees.deleteRecursively(doomed);
    }

    private Path packagePath(String hex) {
        return packagesDir.resolve(hex.substring(0, 2)).resolve(hex + ".zip");
    }

    private static String requireSha256Hex(String sha256Hex) {
        // Names become paths; anything but a digest could point elsewhere.
        if (sha256Hex == null || !SHA256_HEX.matcher(sha256Hex).matches()) {
            throw new IllegalArgumentException("not a lower-case hex SHA-256: " + sha256Hex);
        }
        return sha256Hex;
    }

    private static void copyVerified(Path source, Path temp, PackageSummary summary) throws IOException {
        MessageDigest sha256 = Sha256.newDigest();
        byte[] buffer = new byte[COPY_BUFFER_SIZE];
        long total = 0;
        try (InputStream in = Files.newInputStream(source);
                FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            // Stop one byte past the expected size: a grown file is wrong already, however big it got.
            for (int read; total <= summary.zippedSize() && (read = in.read(buffer)) >= 0; ) {
                total += read;
                sha256.update(buffer, 0, read);
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, read);
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
            }
            out.force(true);
        }
        byte[] actual = sha256.digest();
        if (total != summary.zippedSize() || !MessageDigest.isEqual(actual, summary.sha256())) {
            throw new PackageChangedException(source, summary.sha256Hex(), HexFormat.of().formatHex(actual), total);
        }
    }

    private void removeStaleTemporaries() throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(packagesDir)) {
            for (Path shard : shards) {
                if (!Files.isDirectory(shard, NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> temps = Files.newDirectoryStream(shard, "*" + TEMP_SUFFIX)) {
                    for (Path temp : temps) {
                        Files.deleteIfExists(temp);
                        removed++;
                    }
                }
            }
        }
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(unpackedDir, "*" + TEMP_SUFFIX)) {
            for (Path temp : temps) {
                FileTrees.deleteRecursively(temp);
                removed++;
            }
        }
        if (removed > 0) {
            log.info("Removed {} temporary files left in {} by an interrupted write", removed, packagesDir.getParent());
        }
    }
}
