package io.kindling.server;

import io.kindling.chunks.cdc.FastCdc;
import io.kindling.chunks.crypto.ConvergentEncryption;
import io.kindling.chunks.crypto.Digest256;
import io.kindling.chunks.crypto.MasterKey;
import io.kindling.chunks.crypto.SaltSchedule;
import io.kindling.chunks.gc.ChunkPins;
import io.kindling.chunks.gc.SweepReport;
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
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
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
 * <p>A manifest is written only after every chunk it names is durable in the origin, and linked into place whole, so
 * "the manifest exists" means "the image can be read". Once there it is never replaced (a second store of the same
 * package keeps the first's), only deleted by garbage collection ({@link ChunkGarbageCollector}): so the manifest a
 * mounted image read is the one on disk, whose mark keeps its chunks. Thread-safe.
 *
 * <p>What collection must not take: the chunks of an ingest in progress are pinned ({@link ChunkPins}) until its
 * manifest is durable, and the manifest of a package in {@linkplain #use use} (an image mounted or being mounted) is
 * not deleted.
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
    private final ChunkPins pins = new ChunkPins();
    /** Packages whose manifest something has read or is reading: sha256 → uses. Guarded by itself. */
    private final Map<String, Integer> uses = new HashMap<>();

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
     * to repeat after a crash at any point: chunks already stored are reused. If the package's manifest appeared
     * meanwhile (a concurrent store of the same package), it stays, and this store's chunks are left to collection.
     */
    StoredImage store(String sha256Hex, Path tree) throws ImageBuildException, IOException {
        return store(sha256Hex, tree, ErofsBuilder.Ownership.ALL_ROOT);
    }

    /**
     * As {@link #store(String, Path)}, with the owners the image records: {@link ErofsBuilder.Ownership#ALL_ROOT} for
     * zip packages (whoever unpacked them), {@link ErofsBuilder.Ownership#FROM_TREE} for a container image's flattened
     * root, whose layers say who owns what. {@code sha256Hex} names the code: a zip's SHA-256, or an image's manifest
     * digest.
     */
    StoredImage store(String sha256Hex, Path tree, ErofsBuilder.Ownership ownership) throws ImageBuildException,
            IOException {
        Path build = Files.createTempDirectory(scratch, sha256Hex + ".");
        // Pinned from before each put until the manifest is durable: see ChunkPins.
        try (ChunkPins.Holder pinned = pins.holder()) {
            ErofsImage image = builder.build(tree, build.resolve(ImagePart.METADATA.fileName()),
                    build.resolve(ImagePart.BLOB.fileName()), ownership);
            Map<String, Path> parts = new LinkedHashMap<>();
            for (ImagePart part : ImagePart.values()) {
                parts.put(part.fileName(), image.file(part));
            }
            IngestedImage ingested = ingest.ingestImage(parts, salts.current(), pinned);
            writeOnce(manifestFile(sha256Hex), codec.seal(ingested.manifest(), sha256Hex));
            return new StoredImage(ingested.manifest(), ingested.report());
        } finally {
            deleteTree(build);
        }
    }

    /**
     * Keeps package {@code sha256Hex}'s manifest from garbage collection until the use is closed. Take it before
     * reading the manifest and hold it while anything reads the image's chunks (a mounted image): a manifest found
     * then stays on disk, and its mark keeps the chunks. A manifest deleted before the use began is simply missing.
     */
    ImageUse use(String sha256Hex) {
        synchronized (uses) {
            uses.merge(sha256Hex, 1, Integer::sum);
        }
        return new ImageUse(sha256Hex);
    }

    /** Where container images are flattened while they are imported: emptied at open, like the builds' scratch. */
    Path scratch() {
        return scratch;
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

    // ---------------------------------------------------------------- for ChunkGarbageCollector

    /** Begins a collection pass: call before listing the manifests to mark; see {@link ChunkPins}. */
    ChunkPins.Pass beginPass() {
        return pins.beginPass();
    }

    /** Every stored manifest with the time it was written (temporaries of writes in progress are not listed). */
    List<ManifestFile> manifestFiles() throws IOException {
        List<ManifestFile> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(manifests, "*" + MANIFEST_SUFFIX)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                String sha256Hex = name.substring(0, name.length() - MANIFEST_SUFFIX.length());
                if (!SHA256_HEX.matcher(sha256Hex).matches()) {
                    continue;
                }
                try {
                    files.add(new ManifestFile(sha256Hex, Files.getLastModifiedTime(entry).toInstant()));
                } catch (NoSuchFileException e) {
                    // deleted since it was listed
                }
            }
        }
        return files;
    }

    /**
     * Deletes the manifest of package {@code sha256Hex} unless it is in {@linkplain #use use}; checked and deleted
     * under the lock {@link #use} takes, so a use cannot begin in between and then read a manifest being deleted.
     *
     * @return whether a manifest was deleted
     */
    boolean deleteManifestUnlessInUse(String sha256Hex) throws IOException {
        synchronized (uses) {
            return !uses.containsKey(sha256Hex) && Files.deleteIfExists(manifestFile(sha256Hex));
        }
    }

    /**
     * Makes manifest deletions durable. Call before sweeping their chunks: a manifest a crash brought back would
     * otherwise name chunks that are gone, and pass for a stored image.
     */
    void syncManifestDeletions() throws IOException {
        try (FileChannel directory = FileChannel.open(manifests, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    /** Sweeps the origin: see {@link ChunkPins.Pass#sweep}. */
    SweepReport sweep(ChunkPins.Pass pass, Set<Digest256> marked, Instant cutoff) throws IOException {
        return pass.sweep(origin, marked, cutoff);
    }

    Path manifestFile(String sha256Hex) {
        if (!SHA256_HEX.matcher(sha256Hex).matches()) {
            throw new IllegalArgumentException("not a lowercase SHA-256 in hex: " + sha256Hex);
        }
        return manifests.resolve(sha256Hex + MANIFEST_SUFFIX);
    }

    /**
     * Temporary file beside the target, fsync, link it to the target, fsync the directory: the target is whole or
     * absent, and an existing target is never replaced (a link, unlike a rename, refuses one).
     */
    private static void writeOnce(Path target, byte[] bytes) throws IOException {
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
                Files.createLink(target, temp);
            } catch (FileAlreadyExistsException e) {
                // kept; the fsync below makes it durable even if its writer has not got that far yet
            }
            Files.delete(temp);
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

    /** A stored manifest as collection lists it. */
    record ManifestFile(String sha256Hex, Instant writtenAt) {}

    /** A package's manifest kept from collection; see {@link #use}. */
    final class ImageUse implements AutoCloseable {
        private final String sha256Hex;
        private boolean closed;

        private ImageUse(String sha256Hex) {
            this.sha256Hex = sha256Hex;
        }

        /** Idempotent. */
        @Override
        public void close() {
            synchronized (uses) {
                if (!closed) {
                    closed = true;
                    uses.computeIfPresent(sha256Hex, (sha, count) -> count == 1 ? null : count - 1);
                }
            }
        }
    }
}
