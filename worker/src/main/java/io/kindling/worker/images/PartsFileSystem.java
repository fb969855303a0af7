package io.kindling.worker.images;

import io.kindling.chunks.image.ImagePart;
import io.kindling.chunks.image.ImageParts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.cryptomator.jfuse.api.DirFiller;
import org.cryptomator.jfuse.api.Errno;
import org.cryptomator.jfuse.api.FileInfo;
import org.cryptomator.jfuse.api.FuseOperations;
import org.cryptomator.jfuse.api.Stat;
import org.cryptomator.jfuse.api.TimeSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FUSE filesystem's operations: a read-only tree {@code /<image id>/meta} and
 * {@code /<image id>/blob}, one directory per exposed image, each file backed by that image's
 * {@link ImageParts}. Loop devices read these files, so every block the kernel wants becomes one
 * {@link ImageParts#read} of exactly that range.
 *
 * <p>Called on libfuse's own threads (fuse_loop_mt: native pthreads attached to the JVM as platform
 * threads), several at once. Only lookups and reads are implemented; anything that would write is
 * refused with EROFS (the mount is also read-only, so the kernel refuses most writes before they
 * get here).
 */
final class PartsFileSystem implements FuseOperations {
    private static final Logger LOG = LoggerFactory.getLogger(PartsFileSystem.class);
    private static final int DIRECTORY_MODE = Stat.S_IFDIR | 0555;
    private static final int FILE_MODE = Stat.S_IFREG | 0444;

    private final Errno errno;
    private final ConcurrentMap<String, ImageParts> images = new ConcurrentHashMap<>();

    PartsFileSystem(Errno errno) {
        this.errno = errno;
    }

    /** Makes the image's parts readable under its directory; false if the id is taken. */
    boolean expose(ImageId id, ImageParts parts) {
        return images.putIfAbsent(id.value(), parts) == null;
    }

    /** Removes the image's directory; reads through a file still open then fail with EIO. */
    void withdraw(ImageId id) {
        images.remove(id.value());
    }

    @Override
    public Errno errno() {
        return errno;
    }

    @Override
    public Set<Operation> supportedOperations() {
        return EnumSet.of(Operation.GET_ATTR, Operation.OPEN, Operation.READ, Operation.RELEASE,
                Operation.OPEN_DIR, Operation.READ_DIR, Operation.RELEASE_DIR, Operation.ACCESS,
                Operation.WRITE, Operation.CREATE, Operation.TRUNCATE, Operation.MKDIR, Operation.UNLINK,
                Operation.RMDIR, Operation.RENAME, Operation.CHMOD, Operation.CHOWN, Operation.UTIMENS,
                Operation.SYMLINK);
    }

    /** A path of this tree: the root, an image's directory, or one of its parts. */
    private sealed interface Node {
        record Root() implements Node {}

        record ImageDir(ImageParts parts) implements Node {}

        record PartFile(String image, ImagePart part, ImageParts parts) implements Node {}
    }

    /** Null when nothing is at {@code path}. */
    private Node resolve(String path) {
        if (path.equals("/")) {
            return new Node.Root();
        }
        int slash = path.indexOf('/', 1);
        String image = slash < 0 ? path.substring(1) : path.substring(1, slash);
        ImageParts parts = images.get(image);
        if (parts == null) {
            return null;
        }
        if (slash < 0) {
            return new Node.ImageDir(parts);
        }
        String name = path.substring(slash + 1);
        for (ImagePart part : ImagePart.values()) {
            if (part.fileName().equals(name)) {
                return new Node.PartFile(image, part, parts);
            }
        }
        return null;
    }

    @Override
    public int getattr(String path, Stat stat, FileInfo fi) {
        Node node = resolve(path);
        switch (node) {
            case null -> {
                return -errno.enoent();
            }
            case Node.Root root -> {
                stat.setMode(DIRECTORY_MODE);
                stat.setNLink((short) 2);
            }
            case Node.ImageDir dir -> {
                stat.setMode(DIRECTORY_MODE);
                stat.setNLink((short) 2);
            }
            case Node.PartFile file -> {
                stat.setMode(FILE_MODE);
                stat.setNLink((short) 1);
                stat.setSize(file.parts().size(file.part()));
            }
        }
        stat.setUid(0);
        stat.setGid(0);
        return 0;
    }

    @Override
    public int access(String path, int mask) {
        final int writeOk = 2;
        if (resolve(path) == null) {
            return -errno.enoent();
        }
        return (mask & writeOk) != 0 ? -errno.erofs() : 0;
    }

    @Override
    public int opendir(String path, FileInfo fi) {
        Node node = resolve(path);
        return node instanceof Node.Root || node instanceof Node.ImageDir ? 0 : -errno.enoent();
    }

    @Override
    public int readdir(String path, DirFiller filler, long offset, FileInfo fi, int flags) {
        Node node = resolve(path);
        try {
            switch (node) {
                case Node.Root root -> {
                    filler.fill(".");
                    filler.fill("..");
                    for (String image : images.keySet()) {
                        filler.fill(image);
                    }
                }
                case Node.ImageDir dir -> {
                    filler.fill(".");
                    filler.fill("..");
                    for (ImagePart part : ImagePart.values()) {
                        filler.fill(part.fileName());
                    }
                }
                case null, default -> {
                    return -errno.enoent();
                }
            }
        } catch (IOException e) {
            // The kernel's buffer is full: with offset 0 mode libfuse grows it, so this is not expected.
            return -errno.eio();
        }
        return 0;
    }

    @Override
    public int releasedir(String path, FileInfo fi) {
        return 0;
    }

    @Override
    public int open(String path, FileInfo fi) {
        if (!(resolve(path) instanceof Node.PartFile)) {
            return -errno.enoent();
        }
        Set<StandardOpenOption> flags = fi.getOpenFlags();
        if (flags.contains(StandardOpenOption.WRITE) || flags.contains(StandardOpenOption.APPEND)
                || flags.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
            return -errno.erofs();
        }
        return 0;
    }

    @Override
    public int read(String path, ByteBuffer buf, long size, long offset, FileInfo fi) {
        if (!(resolve(path) instanceof Node.PartFile file)) {
            // Withdrawn while a loop device still had it open.
            return -errno.eio();
        }
        try {
            if (buf.remaining() > size) {
                buf.limit(buf.position() + (int) size);
            }
            return file.parts().read(file.part(), offset, buf);
        } catch (IOException | RuntimeException e) {
            // EIO reaches the loop device, then EROFS, then the sandbox's read(): never wrong bytes.
            LOG.warn("image {} {}: read of {} bytes at {} failed: {}", file.image(), file.part().fileName(), size, offset, e.toString());
            return -errno.eio();
        }
    }

    @Override
    public int release(String path, FileInfo fi) {
        return 0;
    }

    // Everything that would change the tree: refused. The mount is read-only, so the kernel answers
    // most of these with EROFS itself; these make sure nothing slips through another way.

    @Override
    public int write(String path, ByteBuffer buf, long count, long offset, FileInfo fi) {
        return -errno.erofs();
    }

    @Override
    public int create(String path, int mode, FileInfo fi) {
        return -errno.erofs();
    }

    @Override
    public int truncate(String path, long size, FileInfo fi) {
        return -errno.erofs();
    }

    @Override
    public int mkdir(String path, int mode) {
        return -errno.erofs();
    }

    @Override
    public int unlink(String path) {
        return -errno.erofs();
    }

    @Override
    public int rmdir(String path) {
        return -errno.erofs();
    }

    @Override
    public int rename(String oldPath, String newPath, int flags) {
        return -errno.erofs();
    }

    @Override
    public int chmod(String path, int mode, FileInfo fi) {
        return -errno.erofs();
    }

    @Override
    public int chown(String path, int uid, int gid, FileInfo fi) {
        return -errno.erofs();
    }

    @Override
    public int utimens(String path, TimeSpec atime, TimeSpec mtime, FileInfo fi) {
        return -errno.erofs();
    }

    @Override
    public int symlink(String target, String linkname) {
        return -errno.erofs();
    }
}
