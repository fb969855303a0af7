package io.kindling.server;

import io.kindling.chunks.manifest.Manifest;
import io.kindling.chunks.manifest.ManifestCorruptException;
import io.kindling.chunks.read.ChunkCache;
import io.kindling.chunks.read.ImageReader;
import io.kindling.chunks.read.StoredImageParts;
import io.kindling.worker.images.ImageId;
import io.kindling.worker.images.ImageMountException;
import io.kindling.worker.images.ImageMounts;
import io.kindling.worker.images.MountedImage;
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
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's code images: a function version's code is its image from the chunk store, mounted once per worker
 * at {@code <data>/mounts/images/<sha256>} and bound by every sandbox of the version at /var/task. Reads fetch only
 * the chunks they touch, through one {@link ChunkCache} shared by all images and bounded in bytes.
 *
 * <p>Lifetime: an image is mounted by the first {@link #codeDir} that needs it, counted by the pools using it
 * ({@link FunctionPools.Lifecycle}), and unmounted once no pool has used it for {@link ChunkStoreConfig#unmountGrace()}
 * (the next cold start of a version just idled out does not mount again). {@link #close} unmounts everything;
 * {@link ImageMounts#start} removes what a crashed run left. From before its manifest is read until it is unmounted, an
 * image is in {@linkplain CodeImageStore#use use}, so garbage collection keeps its manifest and chunks.
 *
 * <p>Fallback: where images cannot be mounted (not root, no /dev/fuse, no loop device, no EROFS; logged once at
 * start), and for code with no stored image (mkfs.erofs missing at activation, or code activated before images),
 * the code directory is the unpacked package, as before images.
 */
final class CodeImages implements FunctionPools.Lifecycle, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CodeImages.class);
    /** An unmount is a umount and two losetup -d: seconds at worst. */
    private static final Duration UNMOUNT_WAIT = Duration.ofSeconds(30);

    private final CodeImageStore store;
    /** Null when this host cannot mount images. */
    private final ImageMounts mounts;
    private final ChunkCache cache;
    private final Duration grace;
    /**
     * Runs the grace-period unmounts; a platform thread, as an unmount blocks in the kernel. A cancelled unmount
     * leaves the queue at once, so it holds at most one task per mounted image.
     */
    private final ScheduledThreadPoolExecutor unmounts;
    /** By mount point; an entry lives from its image's first use until it is unmounted, so bounded by the images in use. */
    private final ConcurrentHashMap<Path, Entry> entries = new ConcurrentHashMap<>();

    private CodeImages(CodeImageStore store, ImageMounts mounts, ChunkStoreConfig config) {
        this.store = store;
        this.mounts = mounts;
        this.cache = store.newCache(config.chunkCacheBytes());
        this.grace = config.unmountGrace();
        this.unmounts = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("image-unmounts").daemon().factory());
        unmounts.setRemoveOnCancelPolicy(true);
        // At close the pending ones are dropped: close unmounts everything itself.
        unmounts.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Mounts the FUSE filesystem under {@code mountsRoot}, or settles for unpacked directories and says why once. */
    static CodeImages start(Path mountsRoot, CodeImageStore store, ChunkStoreConfig config) {
        if (!config.mountImages()) {
            log.info("code images: not mounted (turned off); sandboxes bind the unpacked packages");
            return new CodeImages(store, null, config);
        }
        try {
            ImageMounts mounts = ImageMounts.start(mountsRoot);
            log.info("code images: mounted under {}, chunk cache {} MiB, unmounted {} ms after their last use",
                    mountsRoot, config.chunkCacheBytes() >> 20, config.unmountGrace().toMillis());
            return new CodeImages(store, mounts, config);
        } catch (ImageMountException e) {
            log.warn("code images cannot be mounted on this host, so sandboxes bind the unpacked packages: {}",
                    e.getMessage());
            return new CodeImages(store, null, config);
        }
    }

    /**
     * The directory a sandbox of code {@code sha256Hex} binds at /var/task: its mounted image, mounted now if it is
     * not yet, or {@code unpacked} when there is no image to mount. Blocks while mounting (a few KiB of metadata
     * are read); safe on a virtual thread. The image then stays mounted for at least the grace period, long enough
     * for the pool about to use it to open.
     *
     * @throws CodeUnavailable if the image exists but cannot be mounted: its manifest or a chunk is missing or
     *     corrupt, or the mount failed; the message says which
     */
    Path codeDir(String sha256Hex, UnpackedCode unpacked) throws CodeUnavailable {
        if (mounts == null) {
            return unpackedDir(sha256Hex, unpacked);
        }
        ImageId id = new ImageId(sha256Hex);
        Path root = mounts.imagesDirectory().resolve(id.value());
        // Every invoke comes here: a mounted image is found in memory, and only an unknown one costs a stat.
        if (!entries.containsKey(root) && !store.hasImage(sha256Hex)) {
            return unpackedDir(sha256Hex, unpacked);
        }
        while (true) {
            Entry entry = entries.computeIfAbsent(root, r -> new Entry(sha256Hex));
            entry.mountLock.lock();
            try {
                if (entries.get(root) != entry) {
                    continue; // unmounted and dropped while this caller waited: count on the new entry instead
                }
                if (entry.image == null) {
                    CodeImageStore.ImageUse use = store.use(sha256Hex);
                    try {
                        entry.image = mount(id);
                        entry.use = use;
                    } catch (CodeUnavailable e) {
                        use.close();
                        entries.remove(root, entry);
                        throw e;
                    }
                }
                entry.used();
                return entry.image.root();
            } finally {
                entry.mountLock.unlock();
            }
        }
    }

    private MountedImage mount(ImageId id) throws CodeUnavailable {
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
        try {
            return mounts.mount(id, new StoredImageParts(id.value(), new ImageReader(manifest, cache)));
        } catch (ImageMountException e) {
            log.error("code image {} could not be mounted: {}", id, e.getMessage());
            // The caller hears what failed; the command, its output and host paths stay in the server's log.
            throw new CodeUnavailable("the code image " + id + " could not be mounted (a chunk of it may be missing "
                    + "or corrupt; the server log has the details)", e);
        }
    }

    private static Path unpackedDir(String sha256Hex, UnpackedCode unpacked) throws CodeUnavailable {
        try {
            return unpacked.directory(sha256Hex);
        } catch (Exception e) {
            throw new CodeUnavailable("the unpacked code " + sha256Hex + " is not available: " + e.getMessage(), e);
        }
    }

    /** Called under FunctionPools' lock: counts only, never mounts. */
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

    /** Unmounts every image and the FUSE filesystem; call after every sandbox is gone. */
    @Override
    public void close() throws ImageMountException {
        unmounts.shutdown();
        try {
            // Lets an unmount already under way finish, so the two never work on one image at once.
            if (!unmounts.awaitTermination(UNMOUNT_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("an image unmount still runs at close; the next start removes what it leaves");
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
        if (mounts != null) {
            mounts.close();
        }
        uses.forEach(CodeImageStore.ImageUse::close); // only once unmounted: nothing reads their chunks now
    }

    /** One image's mount and its users. */
    private final class Entry {
        final String sha256Hex;
        /** Held while mounting or unmounting, which can take a while. */
        final ReentrantLock mountLock = new ReentrantLock();
        /** Guarded by mountLock. */
        MountedImage image;
        /** Guarded by mountLock: held while {@link #image} is mounted. */
        CodeImageStore.ImageUse use;
        /** The rest guarded by this entry's monitor, held only briefly. */
        int pools;
        long lastUsedNanos;
        ScheduledFuture<?> unmount;

        Entry(String sha256Hex) {
            this.sha256Hex = sha256Hex;
        }

        synchronized void used() {
            lastUsedNanos = System.nanoTime();
            if (pools == 0) {
                scheduleUnmount(grace);
            }
        }

        synchronized void poolOpened() {
            pools++;
            lastUsedNanos = System.nanoTime();
            if (unmount != null) {
                unmount.cancel(false);
                unmount = null;
            }
        }

        synchronized void poolClosed() {
            pools = Math.max(0, pools - 1);
            lastUsedNanos = System.nanoTime();
            if (pools == 0) {
                scheduleUnmount(grace);
            }
        }

        /** Under the monitor. */
        private void scheduleUnmount(Duration delay) {
            if (unmount != null) {
                unmount.cancel(false);
            }
            try {
                unmount = unmounts.schedule(this::unmountIfUnused, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                unmount = null; // closing: close unmounts everything
            }
        }

        private void unmountIfUnused() {
            mountLock.lock();
            try {
                synchronized (this) {
                    long idle = System.nanoTime() - lastUsedNanos;
                    if (pools > 0) {
                        return;
                    }
                    if (idle < grace.toNanos()) {
                        scheduleUnmount(Duration.ofNanos(grace.toNanos() - idle));
                        return;
                    }
                    unmount = null;
                }
                if (image != null) {
                    MountedImage gone = image;
                    image = null;
                    try {
                        gone.close();
                        use.close();
                    } catch (ImageMountException e) {
                        // The use stays held: whatever is left mounted may still read chunks until the next start.
                        log.warn("code image {}: unmount failed (the next start removes it): {}", sha256Hex,
                                e.getMessage());
                    }
                    use = null;
                    // Only now, with the unmount complete (parts withdrawn, loops detached): a caller waiting on
                    // mountLock sees the entry gone and mounts afresh under a new one.
                    entries.remove(gone.root(), this);
                }
            } finally {
                mountLock.unlock();
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
