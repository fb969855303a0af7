package io.kindling.server;

import io.kindling.chunks.manifest.Manifest;
import io.kindling.chunks.manifest.ManifestCorruptException;
import io.kindling.chunks.read.ChunkCache;
import io.kindling.chunks.read.ChunkCacheStats;
import io.kindling.chunks.read.ImageReader;
import io.kindling.chunks.read.StoredImageParts;
import io.kindling.worker.images.ImageId;
import io.kindling.worker.images.ImageMountException;
import io.kindling.worker.pool.FunctionPools;
import io.kindling.worker.pool.FunctionVersionSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's code images: a function version's code is its image from the chunk store, made into a directory once
 * per worker and bound by every sandbox of the version at /var/task. How the directory is made is the
 * {@link CodeImageStrategy}: mounted at {@code <data>/mounts/images/<sha256>} where the host can (reads fetch only the
 * chunks they touch), materialized from the chunks into {@code <data>/chunks/materialized/<sha256>} where it cannot
 * (not root, no /dev/fuse, no loop device, no libfuse3) or {@link ChunkStoreConfig#mountImages()} is false. Either way
 * chunks go through one {@link ChunkCache} shared by all images (memory, then local disk, both bounded in bytes, then
 * the origin). The strategy is chosen at start
 * and logged once, with the reason.
 *
 * <p>Lifetime: an image's tree is made by the first {@link #codeDir} that needs it (concurrent first invokes wait for
 * that one), counted by the pools using it ({@link FunctionPools.Lifecycle}), and removed once no pool has used it for
 * {@link ChunkStoreConfig#unmountGrace()} (the next cold start of a version just idled out does not make it again).
 * {@link #close} removes every tree; the strategy's start removes what a crashed run left.
 * From before its manifest is read until its tree is removed, an image is in {@linkplain CodeImageStore#use use}, so
 * garbage collection keeps its manifest and chunks.
 *
 * <p>Code with no stored image at all (mkfs.erofs missing at activation, or code activated before images) is the
 * unpacked package, as before images; said once in the log.
 */
final class CodeImages implements FunctionPools.Lifecycle, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CodeImages.class);
    /** An unmount is a umount and two losetup -d, a removal a rename and a delete: seconds at worst. */
    private static final Duration REMOVAL_WAIT = Duration.ofSeconds(30);

    private final CodeImageStore store;
    private final CodeImageStrategy strategy;
    private final ChunkCache cache;
    private final Duration grace;
    /** Hears how long each image's tree took to make (metrics); must not block. */
    private final Consumer<Duration> treeMade;
    /**
     * Runs the grace-period removals; a platform thread, as an unmount blocks in the kernel. A cancelled removal
     * leaves the queue at once, so it holds at most one task per image in use.
     */
    private final ScheduledThreadPoolExecutor removals;
    /** By tree root; an entry lives from its image's first use until its tree is removed, so bounded by the images in use. */
    private final ConcurrentHashMap<Path, Entry> entries = new ConcurrentHashMap<>();
    /** Whether code without a stored image was logged yet. */
    private final AtomicBoolean toldUnpacked = new AtomicBoolean();

    private CodeImages(CodeImageStore store, CodeImageStrategy strategy, ChunkStoreConfig config,
                       Consumer<Duration> treeMade) {
        this.store = store;
        this.treeMade = treeMade;
        this.strategy = strategy;
        this.cache = store.newCache(config.chunkCacheBytes(), config.diskCacheBytes());
        this.grace = config.unmountGrace();
        this.removals = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("image-removals").daemon().factory());
        removals.setRemoveOnCancelPolicy(true);
        // At close the pending ones are dropped: close removes everything itself.
        removals.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /**
     * Mounts the FUSE filesystem under {@code mountsRoot}, or, where images cannot be mounted or mounts are turned
     * off, materializes them under {@code materializedRoot}; says which once, and why.
     *
     * @throws IOException if the directory for materialized images cannot be created or emptied
     */
    static CodeImages start(Path mountsRoot, Path materializedRoot, CodeImageStore store, ChunkStoreConfig config)
            throws IOException {
        return start(mountsRoot, materializedRoot, store, config, took -> { });
    }

    /** As {@link #start(Path, Path, CodeImageStore, ChunkStoreConfig)}; {@code treeMade} hears how long each tree took. */
    static CodeImages start(Path mountsRoot, Path materializedRoot, CodeImageStore store, ChunkStoreConfig config,
                            Consumer<Duration> treeMade) throws IOException {
        String lifetime = "chunk cache " + (config.chunkCacheBytes() >> 20) + " MiB in memory and "
                + (config.diskCacheBytes() >> 20) + " MiB on disk, removed "
                + config.unmountGrace().toMillis() + " ms after their last use";
        if (!config.mountImages()) {
            log.info("code images: materialized from chunks under {} (image mounts are turned off by configuration); {}",
                    materializedRoot, lifetime);
            return new CodeImages(store, MaterializedCodeImages.start(materializedRoot), config, treeMade);
        }
        try {
            CodeImageStrategy mounted = MountedCodeImages.start(mountsRoot);
            log.info("code images: mounted under {}; {}", mountsRoot, lifetime);
            return new CodeImages(store, mounted, config, treeMade);
        } catch (ImageMountException e) {
            log.warn("code images cannot be mounted on this host, so they are materialized from chunks under {} "
                    + "(each read in full before its first invoke): {}", materializedRoot, e.getMessage());
            return new CodeImages(store, MaterializedCodeImages.start(materializedRoot), config, treeMade);
        }
    }

    /**
     * The directory a sandbox of code {@code sha256Hex} binds at /var/task: its image's tree, made now if it is not
     * yet, or {@code unpacked} when there is no stored image. Blocks while the tree is made (a mount reads a few KiB
     * of metadata, a materialization the whole image); safe on a virtual thread. The tree then stays for at least the
     * grace period, long enough for the pool about to use it to open.
     *
     * @throws CodeUnavailable if the image exists but its tree cannot be made: its manifest or a chunk is missing or
     *     corrupt, or the mount or extraction failed; the message says which
     */
    Path codeDir(String sha256Hex, UnpackedCode unpacked) throws CodeUnavailable {
        ImageId id = new ImageId(sha256Hex);
        Path root = strategy.root(id);
        // Every invoke comes here: an image in use is found in memory, and only an unknown one costs a stat.
        if (!entries.containsKey(root) && !store.hasImage(sha256Hex)) {
            if (toldUnpacked.compareAndSet(false, true)) {
                log.info("code {} has no stored image (activated before images, or mkfs.erofs was missing): its "
                        + "sandboxes bind the unpacked package, as will those of any other such code", sha256Hex);
            }
            return unpackedDir(sha256Hex, unpacked);
        }
        while (true) {
            Entry entry = entries.computeIfAbsent(root, r -> new Entry(sha256Hex));
            entry.lock.lock();
            try {
                if (entries.get(root) != entry) {
                    continue; // removed and dropped while this caller waited: count on the new entry instead
                }
                if (entry.tree == null) {
                    CodeImageStore.ImageUse use = store.use(sha256Hex);
                    try {
                        long began = System.nanoTime();
                    entry.tree = strategy.make(id, parts(id));
                    treeMade.accept(Duration.ofNanos(System.nanoTime() - began));
                        entry.use = use;
                    } catch (CodeUnavailable e) {
                        use.close();
                        entries.remove(root, entry);
                        throw e;
                    }
                }
                entry.used();
                return entry.tree.root();
            } finally {
                entry.lock.unlock();
            }
        }
    }

    /** The image's parts as the chunk store serves them, after its manifest is authenticated. */
    private StoredImageParts parts(ImageId id) throws CodeUnavailable {
        Manifest manifest;
        try {
            manifest = store.manifest(id.value())
                    .orElseThrow(() -> new CodeUnavailable("the manifest of code image " + id + " is missing", null));
        } catch (ManifestCorruptException e) {
            log.error("code image {}: the manifest is corrupt: {}", id, e.getMessage());
            throw new CodeUnavailable("the manifest of code image " + id + " is corrupt: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CodeUnavailable("the manifest of code image " + id + " cannot be read: " + e.getMessage(), e);
        }
        return new StoredImageParts(id.value(), new ImageReader(manifest, cache));
    }

    private static Path unpackedDir(String sha256Hex, UnpackedCode unpacked) throws CodeUnavailable {
        try {
            return unpacked.directory(sha256Hex);
        } catch (Exception e) {
            throw new CodeUnavailable("the unpacked code " + sha256Hex + " is not available: " + e.getMessage(), e);
        }
    }

    /** What the chunk reads of every image were served from since start. */
    ChunkCacheStats chunkReads() {
        return cache.stats();
    }

    /** Called under FunctionPools' lock: counts only, never makes a tree. */
    @Override
    public void opened(FunctionVersionSpec function) {
        Entry entry = entries.get(function.codeDir());
        if (entry != null) {
            entry.poolOpened();
        }
    }

    @Override
    public void closed(FunctionVersionSpec function) {
        Entry entry = entries.get(function.codeDir());
        if (entry != null) {
            entry.poolClosed();
        }
    }

    /** Removes every image's tree (unmounts, and the FUSE filesystem; or deletes); call after every sandbox is gone. */
    @Override
    public void close() {
        removals.shutdown();
        try {
            // Lets a removal already under way finish, so the two never work on one image at once.
            if (!removals.awaitTermination(REMOVAL_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("a code image removal still runs at close; the next start removes what it leaves");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<CodeImageStore.ImageUse> uses = new ArrayList<>();
        for (Entry entry : entries.values()) {
            if (entry.use != null) {
                uses.add(entry.use);
            }
        }
        entries.clear();
        strategy.close();
        uses.forEach(CodeImageStore.ImageUse::close); // only once removed: nothing reads their chunks now
    }

    /** One image's tree and its users. */
    private final class Entry {
        final String sha256Hex;
        /** Held while the tree is made or removed, which can take a while. */
        final ReentrantLock lock = new ReentrantLock();
        /** Guarded by lock. */
        CodeImageStrategy.CodeImageTree tree;
        /** Guarded by lock: held while {@link #tree} exists. */
        CodeImageStore.ImageUse use;
        /** The rest guarded by this entry's monitor, held only briefly. */
        int pools;
        long lastUsedNanos;
        ScheduledFuture<?> removal;

        Entry(String sha256Hex) {
            this.sha256Hex = sha256Hex;
        }

        synchronized void used() {
            lastUsedNanos = System.nanoTime();
            if (pools == 0) {
                scheduleRemoval(grace);
            }
        }

        synchronized void poolOpened() {
            pools++;
            lastUsedNanos = System.nanoTime();
            if (removal != null) {
                removal.cancel(false);
                removal = null;
            }
        }

        synchronized void poolClosed() {
            pools = Math.max(0, pools - 1);
            lastUsedNanos = System.nanoTime();
            if (pools == 0) {
                scheduleRemoval(grace);
            }
        }

        /** Under the monitor. */
        private void scheduleRemoval(Duration delay) {
            if (removal != null) {
                removal.cancel(false);
            }
            try {
                removal = removals.schedule(this::removeIfUnused, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                removal = null; // closing: close removes everything
            }
        }

        private void removeIfUnused() {
            lock.lock();
            try {
                synchronized (this) {
                    long idle = System.nanoTime() - lastUsedNanos;
                    if (pools > 0) {
                        return;
                    }
                    if (idle < grace.toNanos()) {
                        scheduleRemoval(Duration.ofNanos(grace.toNanos() - idle));
                        return;
                    }
                    removal = null;
                }
                if (tree != null) {
                    CodeImageStrategy.CodeImageTree gone = tree;
                    tree = null;
                    if (gone.remove()) {
                        use.close();
                    } // else the use stays held: what is left mounted may still read chunks until the next start
                    use = null;
                    // Only now, with the removal complete (for a mount: parts withdrawn, loops detached): a caller
                    // waiting on the lock sees the entry gone and makes the tree afresh under a new one.
                    entries.remove(gone.root(), this);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Unpacks (or finds unpacked) the package with this SHA-256. */
    @FunctionalInterface
    interface UnpackedCode {
        Path directory(String sha256Hex) throws Exception;
    }

    /** The code of a version cannot be served here; the message says why. */
    static final class CodeUnavailable extends Exception {
        private static final long serialVersionUID = 1L;

        CodeUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
