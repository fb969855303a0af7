package io.kindling.worker.images;

import io.kindling.chunks.image.ImagePart;
import io.kindling.chunks.image.ImageParts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.cryptomator.jfuse.api.Fuse;
import org.cryptomator.jfuse.api.FuseBuilder;
import org.cryptomator.jfuse.api.FuseMountFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's one FUSE mount (jfuse over libfuse3) that serves every mounted image's two parts as
 * read-only files, {@code <mount point>/<image id>/meta} and {@code .../blob}.
 *
 * <p>One mount for all images rather than one per image: a jfuse mount costs a libfuse session with
 * its own thread pool (up to 10 threads), upcall stubs and a mount-probe wait of up to 200 ms, so
 * per image that would multiply threads and slow every first mount of a version; exposing an image
 * in the shared mount is a map insertion. The price is a shared failure domain: a wedged callback
 * delays other images' reads, which the thread pool (several reads at once) limits.
 *
 * <p>Mounted {@code ro}: the kernel refuses writes with EROFS before they reach us.
 * {@code default_permissions} lets the kernel check the 0444/0555 modes; {@code kernel_cache} keeps
 * pages across opens, safe because an image never changes.
 */
final class PartsFuseMount implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartsFuseMount.class);
    /** Where Debian (libfuse3-3, pulled in by fuse3 and libfuse3-dev) and other distributions put it. */
    private static final List<Path> LIBFUSE3 = List.of(
            Path.of("/usr/lib/x86_64-linux-gnu/libfuse3.so.3"),
            Path.of("/lib/x86_64-linux-gnu/libfuse3.so.3"),
            Path.of("/usr/lib/aarch64-linux-gnu/libfuse3.so.3"),
            Path.of("/usr/lib64/libfuse3.so.3"),
            Path.of("/usr/lib/libfuse3.so.3"));
    private static final String OPTIONS = "ro,default_permissions,kernel_cache,fsname=kindling-image-parts,subtype=kindling";

    private final Path mountPoint;
    private final Fuse fuse;
    private final PartsFileSystem fileSystem;

    private PartsFuseMount(Path mountPoint, Fuse fuse, PartsFileSystem fileSystem) {
        this.mountPoint = mountPoint;
        this.fuse = fuse;
        this.fileSystem = fileSystem;
    }

    /** The libfuse3 shared library, or empty when it is not installed. */
    static Optional<Path> libfuse3() {
        return LIBFUSE3.stream().filter(Files::isReadable).findFirst();
    }

    /**
     * Mounts the filesystem at {@code mountPoint} (created if needed). Blocks in the kernel's mount
     * and in jfuse's wait for the first request, so it must run on a platform thread.
     */
    static PartsFuseMount mount(Path mountPoint) throws ImageMountException {
        Path library = libfuse3().orElseThrow(() -> new ImageMountException.Unavailable(
                ImageMountException.Missing.LIBFUSE, "libfuse3.so.3 not found in " + LIBFUSE3 + "; install Debian's fuse3", null));
        FuseBuilder builder = Fuse.builder();
        builder.setLibraryPath(library.toString());
        PartsFileSystem fileSystem = new PartsFileSystem(builder.errno());
        Fuse fuse;
        try {
            fuse = builder.build(fileSystem);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            throw new ImageMountException.Unavailable(ImageMountException.Missing.LIBFUSE, "loading " + library + ": " + e, e);
        }
        try {
            Files.createDirectories(mountPoint);
            fuse.mount("kindling-images", mountPoint, "-o", OPTIONS);
        } catch (FuseMountFailedException | IOException | RuntimeException e) {
            closeQuietly(fuse);
            throw new ImageMountException.Failed("mounting the image-parts FUSE filesystem at " + mountPoint + ": " + e.getMessage(), e);
        }
        LOG.info("image parts served by FUSE at {}", mountPoint);
        return new PartsFuseMount(mountPoint, fuse, fileSystem);
    }

    Path mountPoint() {
        return mountPoint;
    }

    /** Serves the image's parts; returns its directory. */
    Path expose(ImageId id, ImageParts parts) throws ImageMountException {
        if (!fileSystem.expose(id, parts)) {
            throw new ImageMountException.Failed("image " + id + " is already exposed", null);
        }
        return directory(id);
    }

    /** The directory of {@code id} in the mount. */
    Path directory(ImageId id) {
        return mountPoint.resolve(id.value());
    }

    /** The file serving {@code part} of {@code id}. */
    Path file(ImageId id, ImagePart part) {
        return directory(id).resolve(part.fileName());
    }

    void withdraw(ImageId id) {
        fileSystem.withdraw(id);
    }

    /**
     * Unmounts, as jfuse asks, with the system's tool first (a plain umount: it fails while a loop
     * device still holds a part open, and then a lazy one detaches it anyway), then ends libfuse's
     * loop and frees its memory. Runs on a platform thread.
     */
    @Override
    public void close() throws ImageMountException {
        ImageMountException failure = null;
        try {
            Unmounts.unmount(mountPoint);
        } catch (ImageMountException e) {
            failure = e;
        }
        try {
            fuse.close();
        } catch (TimeoutException e) {
            ImageMountException timeout = new ImageMountException.Failed("libfuse's loop did not end: " + e.getMessage(), e);
            if (failure == null) {
                failure = timeout;
            } else {
                failure.addSuppressed(timeout);
            }
        }
        if (failure != null) {
            throw failure;
        }
        LOG.info("image parts FUSE filesystem at {} unmounted", mountPoint);
    }

    private static void closeQuietly(Fuse fuse) {
        try {
            fuse.close();
        } catch (TimeoutException | RuntimeException e) {
            LOG.warn("closing a FUSE session that failed to mount: {}", e.toString());
        }
    }
}
