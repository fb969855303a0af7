package io.kindling.worker.images;

import io.kindling.chunks.image.HostCommand;
import io.kindling.chunks.image.ImagePart;
import io.kindling.chunks.image.ImageParts;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's lazily read code images: each image's two parts are served as files by one FUSE
 * mount, attached read-only to two loop devices and mounted as EROFS, so only the blocks a sandbox
 * reads are ever fetched through {@link ImageParts}.
 *
 * <pre>
 * &lt;root&gt;/fuse/&lt;id&gt;/meta  ─losetup -r─►  /dev/loopM ─┐
 * &lt;root&gt;/fuse/&lt;id&gt;/blob  ─losetup -r─►  /dev/loopB ─┴─ mount -t erofs -o ro,nosuid,nodev,device=/dev/loopB /dev/loopM &lt;root&gt;/images/&lt;id&gt;
 * </pre>
 *
 * <p>nosuid and nodev: a container image is the function's own tree and may hold setuid files and device nodes;
 * on the host they must mean nothing (bwrap's binds add both again in the sandbox, and no_new_privs stops setuid
 * there too, but the mount is also reachable by host processes).
 *
 * <p>Threads: mounting blocks in the kernel (the EROFS mount reads its superblock through the loop
 * device and FUSE), so every mount, loop and unmount step runs on this object's own platform
 * threads, never on the caller's (possibly virtual) thread. FUSE callbacks run on libfuse's threads.
 *
 * <p>Crashes: {@link #start} first removes what a previous run left under the root: EROFS mounts,
 * loop devices whose backing files are under the root, then the FUSE mount (all unmounted lazily:
 * nothing of the dead run is in use by this one, and a lazy unmount never waits).
 */
public final class ImageMounts implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ImageMounts.class);
    /** Two: one slow mount (a cold chunk fetch for the superblock) does not hold up the next. */
    private static final int MOUNT_THREADS = 2;

    private final Path root;
    private final ExecutorService threads;
    private final PartsFuseMount fuse;
    private final Map<ImageId, MountedImage> mounted = new ConcurrentHashMap<>();

    private ImageMounts(Path root, ExecutorService threads, PartsFuseMount fuse) {
        this.root = root;
        this.threads = threads;
        this.fuse = fuse;
    }

    /**
     * Checks the host, cleans up after a crashed run, and mounts the FUSE filesystem at
     * {@code <root>/fuse}. Throws {@link ImageMountException.Unavailable} when this host cannot
     * mount images (not root, no /dev/fuse, no loop devices, no libfuse3): fall back to directories.
     */
    public static ImageMounts start(Path root) throws ImageMountException {
        return start(root, MountPrerequisites.host());
    }

    static ImageMounts start(Path root, MountPrerequisites prerequisites) throws ImageMountException {
        prerequisites.check();
        Path absolute = root.toAbsolutePath().normalize();
        ExecutorService threads = Executors.newFixedThreadPool(MOUNT_THREADS,
                Thread.ofPlatform().name("kindling-image-mount-", 0).daemon(true).factory());
        try {
            PartsFuseMount fuse = onPlatform(threads, () -> {
                cleanLeftovers(absolute);
                Files.createDirectories(absolute.resolve("images"));
                return PartsFuseMount.mount(absolute.resolve("fuse"));
            });
            return new ImageMounts(absolute, threads, fuse);
        } catch (ImageMountException | RuntimeException e) {
            threads.shutdown();
            throw e;
        }
    }

    /** Where images are mounted, one directory each. */
    public Path imagesDirectory() {
        return root.resolve("images");
    }

    /** The FUSE mount serving the parts. */
    public Path fuseMountPoint() {
        return fuse.mountPoint();
    }

    /**
     * Mounts the image whose parts {@code parts} serves at {@code <root>/images/<id>}. The mount reads
     * the superblock and root directory (a few KiB of the metadata part) and nothing of the blob.
     * Blocks until mounted; safe to call from a virtual thread.
     */
    public MountedImage mount(ImageId id, ImageParts parts) throws ImageMountException {
        return onPlatform(threads, () -> mountHere(id, parts));
    }

    /** Images mounted now. */
    public List<MountedImage> mounted() {
        return List.copyOf(mounted.values());
    }

    private MountedImage mountHere(ImageId id, ImageParts parts) throws ImageMountException {
        Path mountPoint = imagesDirectory().resolve(id.value());
        fuse.expose(id, parts);
        List<String> loops = new ArrayList<>();
        boolean done = false;
        try {
            String metadataLoop = LoopDevices.attach(fuse.file(id, ImagePart.METADATA));
            loops.add(metadataLoop);
            String blobLoop = LoopDevices.attach(fuse.file(id, ImagePart.BLOB));
            loops.add(blobLoop);
            Files.createDirectories(mountPoint);
            HostCommand.Result result = Unmounts.run(List.of("mount", "-t", "erofs", "-o", "ro,nosuid,nodev,device=" + blobLoop,
                    metadataLoop, mountPoint.toString()));
            if (!result.succeeded()) {
                if (result.outputTail().contains("unknown filesystem type")) {
                    throw new ImageMountException.Unavailable(ImageMountException.Missing.EROFS, result.describe(), null);
                }
                throw new ImageMountException.Failed("mounting image " + id + ": " + result.describe(), null);
            }
            MountedImage image = new MountedImage(id, mountPoint, metadataLoop, blobLoop, this);
            mounted.put(id, image);
            done = true;
            LOG.info("mounted {}", image);
            return image;
        } catch (IOException e) {
            throw new ImageMountException.Failed("creating " + mountPoint + ": " + e.getMessage(), e);
        } finally {
            if (!done) {
                for (String loop : loops) {
                    detachQuietly(loop);
                }
                fuse.withdraw(id);
                deleteQuietly(mountPoint);
            }
        }
    }

    /** Called by {@link MountedImage#close()}. */
    void unmount(MountedImage image) throws ImageMountException {
        onPlatform(threads, () -> {
            unmountHere(image);
            return null;
        });
    }

    private void unmountHere(MountedImage image) throws ImageMountException {
        try {
            Unmounts.unmount(image.root());
            // After a lazy unmount a device still in use detaches itself once its last user is gone.
            LoopDevices.detach(image.metadataLoop());
            LoopDevices.detach(image.blobLoop());
        } finally {
            mounted.remove(image.id());
            fuse.withdraw(image.id());
            deleteQuietly(image.root());
        }
        LOG.info("unmounted {}", image);
    }

    /**
     * Removes what a crashed run left under {@code root}: EROFS (and any other) mounts under
     * {@code <root>/images}, loop devices whose backing file is under {@code root}, then the FUSE
     * mount and anything else mounted under the root, then the empty mount point directories.
     * Blocks in the kernel: call it on a platform thread ({@link #start} does).
     */
    static void cleanLeftovers(Path root) throws ImageMountException {
        Path absolute = root.toAbsolutePath().normalize();
        Path images = absolute.resolve("images");
        // Strictly under: the root or images directory being a mount point of its own (an operator's
        // tmpfs, say) is not ours to remove.
        for (Path mountPoint : strictlyUnder(images)) {
            LOG.warn("removing a leftover image mount {}", mountPoint);
            Unmounts.lazily(mountPoint, null);
        }
        for (Map.Entry<String, Path> loop : LoopDevices.attached().entrySet()) {
            if (loop.getValue().startsWith(absolute)) {
                LOG.warn("detaching leftover loop device {} ({})", loop.getKey(), loop.getValue());
                LoopDevices.detach(loop.getKey());
            }
        }
        for (Path mountPoint : strictlyUnder(absolute)) {
            LOG.warn("removing a leftover mount {}", mountPoint);
            Unmounts.lazily(mountPoint, null);
        }
        if (Files.isDirectory(images)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(images)) {
                for (Path entry : entries) {
                    deleteQuietly(entry);
                }
            } catch (IOException e) {
                throw new ImageMountException.Failed("listing " + images + ": " + e.getMessage(), e);
            }
        }
    }

    /** Mount points below {@code dir}, not {@code dir} itself, the most recent first. */
    private static List<Path> strictlyUnder(Path dir) throws ImageMountException {
        return Unmounts.mountPointsUnder(dir).reversed().stream().filter(mountPoint -> !mountPoint.equals(dir)).toList();
    }

    /** Unmounts every image, then the FUSE filesystem. */
    @Override
    public void close() throws ImageMountException {
        ImageMountException failure = null;
        for (MountedImage image : mounted()) {
            try {
                image.close();
            } catch (ImageMountException e) {
                failure = e;
            }
        }
        try {
            onPlatform(threads, () -> {
                fuse.close();
                return null;
            });
        } catch (ImageMountException e) {
            if (failure != null) {
                e.addSuppressed(failure);
            }
            failure = e;
        } finally {
            threads.shutdown();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Work that may block in the kernel for a mount. */
    @FunctionalInterface
    private interface MountWork<T> {
        T run() throws ImageMountException, IOException;
    }

    private static <T> T onPlatform(ExecutorService threads, MountWork<T> work) throws ImageMountException {
        Callable<T> task = work::run;
        Future<T> future;
        try {
            future = threads.submit(task);
        } catch (RejectedExecutionException e) {
            throw new ImageMountException.Failed("the image mounts are closed", e);
        }
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ImageMountException mount) {
                throw mount;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new ImageMountException.Failed(String.valueOf(cause.getMessage()), cause);
        } catch (InterruptedException e) {
            // The step goes on on its own thread; whatever it leaves is removed by close or the next start.
            Thread.currentThread().interrupt();
            throw new ImageMountException.Failed("interrupted while waiting for a mount step", e);
        }
    }

    private static void detachQuietly(String loop) {
        try {
            LoopDevices.detach(loop);
        } catch (ImageMountException e) {
            LOG.warn("detaching {} after a failed mount: {}", loop, e.getMessage());
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // Still a mount point or not empty: the next start's cleanup gets it.
            LOG.debug("not removing {}: {}", dir, e.toString());
        }
    }
}
