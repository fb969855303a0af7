package io.kindling.chunks.oci;

import io.kindling.chunks.oci.registry.BlobDigest;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Layer blobs kept between imports, so a layer an earlier import pulled (a shared base image, the same image in
 * another function after its chunks were collected, an import resumed after a restart) is not fetched again. The
 * files are the registry's verified blobs, {@code sha256-<hex>} as {@link
 * io.kindling.chunks.oci.registry.ImageSource#fetchLayer} writes them (temporary, then renamed when the digest
 * matched), in a directory only the server can read; they are trusted by name as within one import.
 *
 * <p>Bounded in bytes: the least recently used layers not in use by an import are deleted once the total passes the
 * bound, and a layer larger than a quarter of the bound is never kept (one huge image must not flush every base
 * layer; it is fetched into the import's scratch and deleted after use, as without a cache). A bound of 0 keeps
 * nothing. Thread-safe; imports may run concurrently.
 */
public final class LayerCache {
    private static final Logger log = LoggerFactory.getLogger(LayerCache.class);
    private static final String PREFIX = "sha256-";

    private final Path dir;
    private final long maxBytes;
    /** Kept layers, least recently used first: digest → size. Guarded by this. */
    private final LinkedHashMap<BlobDigest, Long> kept = new LinkedHashMap<>(16, 0.75f, true);
    /** Layers an import is fetching or applying: digest → imports. Guarded by this. */
    private final Map<BlobDigest, Integer> inUse = new HashMap<>();
    private long keptBytes;

    private LayerCache(Path dir, long maxBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
    }

    /** Keeps nothing: every layer is fetched by every import. */
    public static LayerCache none() {
        return new LayerCache(null, 0);
    }

    /**
     * Opens (creating, 0700) the cache in {@code dir}, bounded by {@code maxBytes}: what a crash left half-written is
     * deleted, what is there is kept in the order it was last written, and trimmed to the bound.
     */
    public static LayerCache open(Path dir, long maxBytes) throws IOException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        LayerCache cache = new LayerCache(dir, maxBytes);
        record Found(BlobDigest digest, long size, long written) {}
        List<Found> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                BlobDigest digest = digestOf(name);
                if (digest == null || !attributes.isRegularFile()) {
                    deleteQuietly(file); // a temporary of a fetch a crash interrupted
                    continue;
                }
                found.add(new Found(digest, attributes.size(), attributes.lastModifiedTime().toMillis()));
            }
        }
        found.sort(Comparator.comparingLong(Found::written));
        synchronized (cache) {
            for (Found f : found) {
                cache.kept.put(f.digest(), f.size());
                cache.keptBytes += f.size();
            }
            cache.trim();
        }
        return cache;
    }

    /** Whether a layer of {@code size} bytes is kept here after its import; else it goes to the import's scratch. */
    public boolean keeps(long size) {
        return dir != null && size <= maxBytes / 4;
    }

    /** Where kept layers are fetched to; only for layers this {@link #keeps}. */
    public Path dir() {
        return Objects.requireNonNull(dir, "this cache keeps nothing");
    }

    /**
     * Marks {@code digest} in use until the returned use is closed: it is not deleted meanwhile, even over the bound.
     * Take it before fetching the layer into {@link #dir()} and hold it until the layer has been applied.
     */
    public synchronized Use use(BlobDigest digest) {
        inUse.merge(digest, 1, Integer::sum);
        return new Use(digest);
    }

    /** Whether {@code digest} is kept now (for tests and figures). */
    public synchronized boolean contains(BlobDigest digest) {
        return kept.containsKey(digest);
    }

    /** The bytes kept now. */
    public synchronized long keptBytes() {
        return keptBytes;
    }

    /**
     * Counts a layer just fetched into {@link #dir()}, or found there, as most recently used (its file's time too,
     * so the order survives a restart); trims to the bound.
     */
    synchronized void admitted(BlobDigest digest, long size) {
        try {
            Files.setLastModifiedTime(dir.resolve(digest.fileName()),
                    java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            log.debug("could not touch {} in the layer cache: {}", digest, e.toString());
        }
        if (kept.putIfAbsent(digest, size) == null) {
            keptBytes += size;
        } else {
            kept.get(digest); // access order: now the most recently used
        }
        trim();
    }

    /** Deletes least recently used layers no import is using until within the bound. Holds the lock. */
    private void trim() {
        Iterator<Map.Entry<BlobDigest, Long>> oldest = kept.entrySet().iterator();
        while (keptBytes > maxBytes && oldest.hasNext()) {
            Map.Entry<BlobDigest, Long> entry = oldest.next();
            if (inUse.containsKey(entry.getKey())) {
                continue;
            }
            deleteQuietly(dir.resolve(entry.getKey().fileName()));
            keptBytes -= entry.getValue();
            oldest.remove();
        }
    }

    private static BlobDigest digestOf(String name) {
        if (!name.startsWith(PREFIX)) {
            return null;
        }
        try {
            return BlobDigest.parse("sha256:" + name.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("could not delete {} from the layer cache: {}", file, e.toString());
        }
    }

    /** A layer held in the cache by one import; see {@link #use}. */
    public final class Use implements AutoCloseable {
        private final BlobDigest digest;
        private boolean closed;

        private Use(BlobDigest digest) {
            this.digest = digest;
        }

        /** Idempotent. */
        @Override
        public void close() {
            synchronized (LayerCache.this) {
                if (!closed) {
                    closed = true;
                    inUse.computeIfPresent(digest, (d, n) -> n == 1 ? null : n - 1);
                    trim();
                }
            }
        }
    }
}
