package io.kindling.server;

import io.kindling.chunks.image.ImageParts;
import io.kindling.server.CodeImages.CodeUnavailable;
import io.kindling.worker.images.ImageId;
import io.kindling.worker.images.ImageMountException;
import io.kindling.worker.images.ImageMounts;
import io.kindling.worker.images.MountedImage;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Code images mounted lazily ({@link ImageMounts}): FUSE serves the parts, EROFS is mounted over two loop devices at
 * {@code <mounts>/images/<sha256>}, and a sandbox's reads fetch only the chunks they touch. A missing or corrupt data
 * chunk fails that read in the sandbox (EIO); a corrupt metadata chunk fails the mount.
 */
final class MountedCodeImages implements CodeImageStrategy {
    private static final Logger log = LoggerFactory.getLogger(MountedCodeImages.class);

    private final ImageMounts mounts;

    private MountedCodeImages(ImageMounts mounts) {
        this.mounts = mounts;
    }

    /**
     * Mounts the FUSE filesystem under {@code mountsRoot}, removing what a crashed run left there.
     *
     * @throws ImageMountException if this host cannot mount images (not root, no /dev/fuse, no loop device, no
     *     libfuse3) or the FUSE mount failed
     */
    static MountedCodeImages start(Path mountsRoot) throws ImageMountException {
        return new MountedCodeImages(ImageMounts.start(mountsRoot));
    }

    @Override
    public Path root(ImageId id) {
        return mounts.imagesDirectory().resolve(id.value());
    }

    @Override
    public CodeImageTree make(ImageId id, ImageParts parts) throws CodeUnavailable {
        try {
            return new Mounted(mounts.mount(id, parts));
        } catch (ImageMountException e) {
            log.error("code image {} could not be mounted: {}", id, e.getMessage());
            // The caller hears what failed; the command, its output and host paths stay in the server's log.
            throw new CodeUnavailable("the code image " + id + " could not be mounted (a chunk of it may be missing "
                    + "or corrupt; the server log has the details)", e);
        }
    }

    /** Unmounts every image, then the FUSE filesystem. */
    @Override
    public void close() {
        try {
            mounts.close();
        } catch (ImageMountException e) {
            log.warn("code images: unmounting at close failed (the next start removes what is left): {}",
                    e.getMessage());
        }
    }

    private record Mounted(MountedImage image) implements CodeImageTree {
        @Override
        public Path root() {
            return image.root();
        }

        @Override
        public boolean remove() {
            try {
                image.close();
                return true;
            } catch (ImageMountException e) {
                log.warn("code image {}: unmount failed (the next start removes it): {}", image.id(), e.getMessage());
                return false;
            }
        }
    }
}
