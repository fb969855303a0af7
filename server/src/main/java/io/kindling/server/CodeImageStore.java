package io.kindling.server;

import io.kindling.chunks.cdc.FastCdc;
import io.kindling.chunks.crypto.ConvergentEncryption;
import io.kindling.chunks.crypto.MasterKey;
import io.kindling.chunks.crypto.SaltSchedule;
import io.kindling.chunks.image.ErofsBuilder;
import io.kindling.chunks.image.ErofsImage;
import io.kindling.chunks.image.ImageBuildException;
import io.kindling.chunks.image.ImagePart;
import io.kindling.chunks.ingest.ChunkIngest;
import io.kindling.chunks.ingest.IngestedImage;
import io.kindling.chunks.manifest.Manifest;
import io.kindling.chunks.manifest.ManifestCodec;
import io.kindling.chunks.manifest.ManifestCorruptException;
import io.kindling.chunks.origin.LocalDirectoryOrigin;
import io.kindling.chunks.origin.StoredObject;
import io.kindling.chunks.read.ChunkCache;
import io.kindling.chunks.read.DiskChunkTier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's code images in the chunk store: an unpacked code package becomes a deterministic EROFS image, its two
 * parts become encrypted content-defined chunks in the origin, and the sealed manifest is kept under the package's
 * SHA-256 (which is also the image id the manifest is authenticated for, so a manifest cannot be swapped for another
 * package's).
 *
 * <pre>
 * &lt;data&gt;/master.key                        0600, seals manifests and keys the chunk salts
 * &lt;data&gt;/chunks/origin/ab/abcd…             chunks (LocalDirectoryOrigin)
 * &lt;data&gt;/chunks/manifests/&lt;sha256&gt;.manifest sealed manifests, written atomically
 * &lt;data&gt;/chunks/scratch/                    images being built; emptied at open
 * &lt;data&gt;/chunks/cache/ab/abcd…              the worker's disk tier of chunk ciphertexts (DiskChunkTier)
 * </pre>
 *
 * <p>A manifest is written only after every chunk it names is durable in the origin, and moved into place whole, so
 * "the manifest exists" means "the image can be read". Thread-safe.
 */
final class CodeImageStore {
    private static final Logger log = LoggerFactory.getLogger(CodeImageStore.class);
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final String MANIFEST_SUFFIX = ".manifest";

    private final Path manifests;
    private final Path scratch;
    private final Path diskCache;
    private final LocalDirectoryOrigin origin;
    private final ConvergentEncryption encryption;
    private final SaltSchedule salts;
    private final ManifestCodec codec;
    private final ChunkIngest ingest;
    private final ErofsBuilder builder;

    private CodeImageStore(Path manifests, Path scratch, Path diskCache, LocalDirectoryOrigin origin,
                           MasterKey masterKey, ChunkStoreConfig config, ErofsBuilder builder) {
        this.manifests = manifests;
        this.scratch = scratch;
        this.diskCache = diskCache;
        this.origin = origin;
        this.encryption = new ConvergentEncryption();
        this.salts = new SaltSchedule(masterKey, config.saltEpoch(), Clock.systemUTC());
        this.codec = new ManifestCodec(masterKey);
        this.ingest = new ChunkIngest(new FastCdc(), encryption, origin);
        this.builder = builder;
    }

    /** Opens (creating if new) the store under {@code dataRoot}, removing what a crashed build left in scratch. */
    static CodeImageStore open(Path dataRoot, ChunkStoreConfig config) throws IOException {
        return open(dataRoot, config, new ErofsBuilder());
    }

    static CodeImageStore open(Path dataRoot, ChunkStoreConfig config, ErofsBuilder builder) throws IOException {
        Path chunks = privateDirectory(dataRoot.resolve("chunks"));
        Path manifests = privateDirectory(chunks.resolve("manifests"));
        Path scratch = privateDirectory(chunks.resolve("scratch"));
        deleteContents(scratch);
        MasterKey masterKey = MasterKey.loadOrCreate(dataRoot);
        return new CodeImageStore(manifests, scratch, chunks.resolve("cache"),
                new LocalDirectoryOrigin(chunks.resolve("origin")), masterKey, config, builder);
    }

    /** Whether the image of package {@code sha256Hex} is stored (its manifest is durable). */
    boolean hasImage(String sha256Hex) {
        return Files.isRegularFile(manifestFile(sha256Hex));
    }

    /**
     * Builds the image of {@code tree} (the package's unpacked files), stores its chunks and then its manifest. Safe
     * to repeat after a crash at any point: chunks already stored are reused, and the manifest replaces nothing but
     * an identical image's.
     */
    StoredImage store(String sha256Hex, Path tree) throws ImageBuildException, IOException {
        Path build = Files.createTempDirectory(scratch, sha256Hex + ".");
        try {
            ErofsImage image = builder.build(tree, build.resolve(ImagePart.METADATA.fileName()),
                    build.resolve(ImagePart.BLOB.fileName()));
            Map<String, Path> parts = new LinkedHashMap<>();
            for (ImagePart part : ImagePart.values()) {
                parts.put(part.fileName(), image.file(part));
            }
            IngestedImage ingested = ingest.ingestImage(parts, salts.current());
            writeAtomically(manifestFile(sha256Hex), codec.seal(ingested.manifest(), sha256Hex));
            return new StoredImage(ingested.manifest(), ingested.report());
        } finally {
            deleteTree(build);
        }
    }

    /**
     * The verified manifest of package {@code sha256Hex}, or empty if it has no stored image (code activated before
     * images, or on a host without mkfs.erofs).
     *
     * @throws ManifestCorruptException if the stored manifest was modified, truncated or belongs to another package
     */
    Optional<Manifest> manifest(String sha256Hex) throws IOException, ManifestCorruptException {
        byte[] sealed;
        try {
            sealed = Files.readAllBytes(manifestFile(sha256Hex));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(codec.open(sealed, sha256Hex));
    }

    /**
     * What is stored now: every manifest opened (a corrupt one is counted as an image of size 0 and logged by its
     * reader when used) and every chunk in the origin listed. Costs a directory walk; callers keep the answer a while.
     */
    StoredTotals totals() throws IOException {
        long images = 0;
        long logicalBytes = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(manifests, "*" + MANIFEST_SUFFIX)) {
            for (Path file : files) {
                String sha256Hex = file.getFileName().toString().replace(MANIFEST_SUFFIX, "");
                if (!SHA256_HEX.matcher(sha256Hex).matches()) {
                    continue;
                }
                images++;
                try {
                    logicalBytes += manifest(sha256Hex).map(m -> m.parts().stream().mapToLong(p -> p.size()).sum())
                            .orElse(0L);
                } catch (ManifestCorruptException | NoSuchFileException e) {
                    // Deleted meanwhile, or corrupt: nothing a sandbox could read from it either.
                }
            }
        }
        long storedBytes = 0;
        long chunks = 0;
        try (Stream<StoredObject> stored = origin.list()) {
            for (StoredObject chunk : (Iterable<StoredObject>) stored::iterator) {
                storedBytes += chunk.size();
                chunks++;
            }
        }
        return new StoredTotals(images, logicalBytes, storedBytes, chunks);
    }

    /**
     * A new chunk cache over this store's origin: {@code memoryBytes} of plaintext in memory, then {@code diskBytes} of
     * ciphertext in {@code chunks/cache/} (0: none, and what an earlier run kept there is deleted). Call once per
     * process: the disk tier owns its directory. A disk tier that cannot be opened is logged and left out, as the
     * origin can still serve every chunk.
     */
    ChunkCache newCache(long memoryBytes, long diskBytes) {
        try {
            return new ChunkCache(origin, encryption, memoryBytes, DiskChunkTier.open(diskCache, diskBytes));
        } catch (IOException e) {
            log.warn("the disk chunk cache in {} cannot be opened, so chunks are read from the origin into memory "
                    + "only: {}", diskCache, e.toString());
            return new ChunkCache(origin, encryption, memoryBytes);
        }
    }

    Path manifestFile(String sha256Hex) {
        if (!SHA256_HEX.matcher(sha256Hex).matches()) {
            throw new IllegalArgumentException("not a lowercase SHA-256 in hex: " + sha256Hex);
        }
        return manifests.resolve(sha256Hex + MANIFEST_SUFFIX);
    }

    /** Temporary file beside the target, fsync, rename, fsync the directory: the target is whole or absent. */
    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path dir = target.getParent();
        Path temp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")))) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
                directory.force(true);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static Path privateDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return dir;
    }

    private static void deleteContents(Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                deleteTree(entry);
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** What {@link #totals} counted. */
    record StoredTotals(long images, long logicalBytes, long storedBytes, long chunks) {}

    /** An image just stored: its manifest and what storing it took. */
    record StoredImage(Manifest manifest, io.kindling.chunks.ingest.IngestReport report) {}
}
