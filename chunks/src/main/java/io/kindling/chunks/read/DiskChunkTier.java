package io.kindling.chunks.read;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.kindling.chunks.crypto.Digest256;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's local-disk chunk tier, between {@link ChunkCache}'s memory and the origin: chunk ciphertexts exactly as
 * the origin returned them, under {@code root/ab/abcdef…} (fanned out like the origin), bounded in bytes. Only
 * ciphertext is kept, so no plaintext of any function's code lands on local disk; the manifest's key is needed to
 * read a chunk, as from the origin. Nothing read from here is trusted: {@link ChunkCache} verifies it like an
 * origin read and {@link #discard}s a bad copy.
 *
 * <p>The files held are an index in memory (Caffeine, weighed by file size, W-TinyLFU eviction on the caller's
 * thread); an evicted entry's file is deleted as it is evicted. So the files on disk add up to at most the bound,
 * plus one chunk per write under way between its rename and the eviction it causes. At {@link #open} the chunks a
 * previous run left are admitted again, newest first, up to the bound (the rest are deleted), so a restarted worker
 * keeps its warm tier; temporaries of interrupted writes are deleted.
 *
 * <p>A failing disk never fails a read: unreadable or unwritable files are logged, dropped, and the chunk comes from
 * the origin. A bound of 0 holds nothing (and drops what a previous run kept). One tier per directory (a second one
 * would delete the first one's files behind its back). Thread-safe.
 */
public final class DiskChunkTier {

    private static final Logger log = LoggerFactory.getLogger(DiskChunkTier.class);
    private static final Pattern FAN_OUT = Pattern.compile("[0-9a-f]{2}");
    private static final String TEMP_SUFFIX = ".tmp";
    private static final Set<PosixFilePermission> PRIVATE_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final Path root;
    private final long bound;
    private final FileReader reader;
    /** The size of each chunk file held, by name. */
    private final Cache<Digest256, Integer> held;

    private DiskChunkTier(Path root, long bound, FileReader reader) {
        this.root = root;
        this.bound = bound;
        this.reader = reader;
        this.held = Caffeine.newBuilder()
                .maximumWeight(bound)
                .weigher((Digest256 name, Integer size) -> size)
                // Runs with the eviction, on the thread that caused it: the file goes before that put returns.
                .evictionListener((Digest256 name, Integer size, RemovalCause cause) -> delete(pathOf(name)))
                .executor(Runnable::run)
                .build();
    }

    /**
     * Opens (creating, 0700) the tier in {@code root}, bounded to {@code maxBytes} of chunk files; deletes temporaries
     * and admits the chunks already there, newest first, up to the bound.
     *
     * @throws IOException if the directory cannot be created or listed (the caller may go on without a disk tier)
     */
    public static DiskChunkTier open(Path root, long maxBytes) throws IOException {
        return open(root, maxBytes, Files::readAllBytes);
    }

    /** As {@link #open(Path, long)}, reading chunk files through {@code reader} (tests hold or count reads). */
    static DiskChunkTier open(Path root, long maxBytes, FileReader reader) throws IOException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("the disk chunk tier's bound must not be negative: " + maxBytes);
        }
        Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY));
        Files.setPosixFilePermissions(root, PRIVATE_DIRECTORY);
        DiskChunkTier tier = new DiskChunkTier(root, maxBytes, reader);
        tier.readmit();
        return tier;
    }

    /**
     * The ciphertext kept for {@code name}, not yet verified; empty if none is kept or it cannot be read (a file that
     * cannot be read is dropped and logged).
     */
    Optional<byte[]> read(Digest256 name) {
        if (held.getIfPresent(name) == null) {
            return Optional.empty(); // no file-system call for a chunk that was never kept
        }
        try {
            return Optional.of(reader.readAllBytes(pathOf(name)));
        } catch (NoSuchFileException e) {
            held.invalidate(name); // deleted behind the index's back (an eviction racing a rewrite of the same chunk)
            return Optional.empty();
        } catch (IOException e) {
            discard(name, "it cannot be read: " + e);
            return Optional.empty();
        }
    }

    /**
     * Keeps {@code ciphertext} (verified by the caller) as chunk {@code name}, evicting others to stay within the
     * bound. A chunk larger than the bound is not kept; a failed write is logged and leaves nothing behind.
     */
    void write(Digest256 name, byte[] ciphertext) {
        if (ciphertext.length > bound) {
            return;
        }
        Path target = pathOf(name);
        Path temp = null;
        try {
            Path shard = Files.createDirectories(target.getParent(), PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY));
            temp = Files.createTempFile(shard, "." + name.hex() + ".", TEMP_SUFFIX, PRIVATE_FILE);
            Files.write(temp, ciphertext);
            // No fsync: this is a cache. After a crash a renamed file may be short or zeros; its bytes then do not
            // hash to its name, so the read drops it and asks the origin, which is what an fsync per chunk (a disk
            // flush on every cold read) would have bought.
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            temp = null;
            held.put(name, ciphertext.length);
        } catch (IOException e) {
            log.warn("disk chunk cache: chunk {} could not be kept in {}: {}", name.hex(), root, e.toString());
        } finally {
            if (temp != null) {
                delete(temp);
            }
        }
    }

    /** Drops a bad copy of chunk {@code name} (it is then fetched from the origin) and says why in the log. */
    void discard(Digest256 name, String reason) {
        log.warn("disk chunk cache: dropped chunk {}, fetching it from the origin instead: {}", name.hex(), reason);
        held.invalidate(name);
        delete(pathOf(name));
    }

    /** Bytes of chunk files held now. */
    long bytesHeld() {
        return held.policy().eviction().map(eviction -> eviction.weightedSize().orElse(0L)).orElse(0L);
    }

    long bound() {
        return bound;
    }

    private Path pathOf(Digest256 name) {
        String hex = name.hex();
        return root.resolve(hex.substring(0, 2)).resolve(hex);
    }

    private void readmit() throws IOException {
        record Found(Digest256 name, long size, FileTime modified) {}
        List<Found> found = new ArrayList<>();
        int temporaries = 0;
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(root, DiskChunkTier::isShard)) {
            for (Path shard : shards) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
                    for (Path file : files) {
                        String fileName = file.getFileName().toString();
                        if (fileName.endsWith(TEMP_SUFFIX)) {
                            delete(file);
                            temporaries++;
                        } else if (Digest256.isHex(fileName) && fileName.startsWith(shard.getFileName().toString())) {
                            BasicFileAttributes attributes =
                                    Files.readAttributes(file, BasicFileAttributes.class, NOFOLLOW_LINKS);
                            if (attributes.isRegularFile()) {
                                found.add(new Found(Digest256.fromHex(fileName), attributes.size(),
                                        attributes.lastModifiedTime()));
                            }
                        }
                    }
                }
            }
        }
        // Reads do not touch the files, so the newest written is the best guess at the most wanted.
        found.sort(Comparator.comparing(Found::modified).reversed());
        long kept = 0;
        int dropped = 0;
        for (Found chunk : found) {
            if (chunk.size() <= Integer.MAX_VALUE && kept + chunk.size() <= bound) {
                held.put(chunk.name(), (int) chunk.size()); // at most the bound in all: nothing is evicted
                kept += chunk.size();
            } else {
                delete(pathOf(chunk.name()));
                dropped++;
            }
        }
        if (!found.isEmpty() || temporaries > 0) {
            log.info("disk chunk cache {}: {} chunk(s), {} bytes kept from the last run; {} dropped over the bound of {} "
                    + "bytes; {} partial write(s) removed", root, found.size() - dropped, kept, dropped, bound, temporaries);
        }
    }

    private static boolean isShard(Path path) {
        return FAN_OUT.matcher(path.getFileName().toString()).matches() && Files.isDirectory(path, NOFOLLOW_LINKS);
    }

    /** Deletes a file the tier no longer wants; a failure leaves a file the index does not count, so it is logged. */
    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("disk chunk cache: {} could not be deleted: {}", file, e.toString());
        }
    }

    /** How chunk files are read: {@link Files#readAllBytes} but in tests. */
    @FunctionalInterface
    interface FileReader {
        byte[] readAllBytes(Path file) throws IOException;
    }
}
