package io.kindling.chunks;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Extracts a code package into a directory that appears all at once: the tree is built in a sibling
 * temporary directory and renamed into place, so a reader either sees the whole package or nothing.
 *
 * <p>The package is validated again while extracting (paths, links, sizes, checksums, the byte budget),
 * so a zip that changed since inspection, or was never inspected, can't do harm. Writing never goes
 * through a symbolic link: links are created only after every file and directory exists, the layout
 * guarantees no entry lives under a link or a file, and files are opened with {@code CREATE_NEW} and
 * {@code NOFOLLOW_LINKS}.
 *
 * <p>Permissions: a file keeps its zip mode's permission bits (setuid, setgid and sticky bits are
 * dropped), made readable by everyone, and executable by everyone if any execute bit is set, so a
 * {@code bootstrap} stored as 0744 or 0700 still runs whoever the runtime runs as. Without a unix mode
 * (zips made on Windows) files get 0644. Directories keep their mode plus 0755, so they can always be
 * traversed and the store can always delete them; without a mode they get 0755.
 *
 * <p>Durability: the new directory's parent is fsynced after the rename; individual files are not, so
 * after a power loss an unpacked tree may hold incomplete files. Unpacked trees are derived data.
 *
 * <p>Stateless and thread-safe; concurrent unpacks of the same package into the same target are safe,
 * one of them wins and the others discard their copy.
 */
public final class ZipPackageUnpacker {

    private static final Logger log = LoggerFactory.getLogger(ZipPackageUnpacker.class);

    static final String TEMP_SUFFIX = ".tmp";

    private static final int DEFAULT_FILE_PERMISSIONS = 0644;
    private static final int DEFAULT_DIRECTORY_PERMISSIONS = 0755;

    public void unpack(Path zipFile, Path targetDir, PackageLimits limits) throws InvalidPackageException, IOException {
        Path target = targetDir.toAbsolutePath().normalize();
        if (alreadyUnpacked(target)) {
            return;
        }
        if (Files.size(zipFile) > limits.maxZippedBytes()) {
            throw InvalidPackageException.zippedTooLarge(limits.maxZippedBytes());
        }
        Path parent = target.getParent();
        Files.createDirectories(parent);
        UnzipBudget budget = new UnzipBudget(limits.maxUnzippedBytes());
        try (ZipFile zip = ZipArchives.open(zipFile)) {
            PackageLayout layout = PackageLayout.read(zip, limits, budget);
            // Same directory as the target so the final rename is atomic; the suffix lets the store
            // recognise leftovers of a crash.
            Path temp = parent.resolve("." + target.getFileName() + "." + UUID.randomUUID() + TEMP_SUFFIX);
            Files.createDirectory(temp);
            boolean published = false;
            try {
                extract(zip, layout, temp, budget);
                published = publish(temp, target);
            } catch (Throwable e) {
                deleteQuietly(temp, e);
                throw e;
            }
            if (!published) {
                FileTrees.deleteRecursively(temp);
            }
        }
    }

    private static boolean alreadyUnpacked(Path target) throws IOException {
        if (Files.isDirectory(target, NOFOLLOW_LINKS)) {
            return true;
        }
        if (Files.exists(target, NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null, "exists and is not a directory");
        }
        return false;
    }

    private static void extract(ZipFile zip, PackageLayout layout, Path root, UnzipBudget budget)
            throws InvalidPackageException, IOException {
        boolean posix = Files.getFileStore(root).supportsFileAttributeView(PosixFileAttributeView.class);
        for (PackageLayout.Node directory : layout.directories()) {
            Files.createDirectory(directory.resolveUnder(root));
        }
        for (PackageLayout.Node file : layout.files()) {
            Path path = file.resolveUnder(root);
            requireRealDirectory(path.getParent());
            try (OutputStream out = Files.newOutputStream(path,
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, NOFOLLOW_LINKS)) {
                EntryContent.copy(zip, file.entry(), budget, out);
            }
            if (posix) {
                setPermissions(path, filePermissions(file.permissions()));
            }
        }
        for (PackageLayout.Node link : layout.links()) {
            createLink(root, link);
        }
        Path realRoot = root.toRealPath();
        for (PackageLayout.Node link : layout.links()) {
            requireRealTargetInside(realRoot, link, link.resolveUnder(root));
        }
        if (posix) {
            // Last, so a directory without write permission can't get in the way of its own contents.
            for (PackageLayout.Node directory : layout.directories()) {
                setPermissions(directory.resolveUnder(root), directoryPermissions(directory.permissions()));
            }
            setPermissions(root, DEFAULT_DIRECTORY_PERMISSIONS);
        }
    }

    private static void createLink(Path root, PackageLayout.Node link) throws InvalidPackageException, IOException {
        Path path = link.resolveUnder(root);
        requireRealDirectory(path.getParent());
        Path target = path.getFileSystem().getPath(link.linkTarget());
        // The layout already proved this from the zip's point of view; check again with the real paths.
        if (target.isAbsolute() || !path.getParent().resolve(target).normalize().startsWith(root)) {
            throw InvalidPackageException.linkEscapes(link.entry().getName(), link.linkTarget());
        }
        Files.createSymbolicLink(path, target);
    }

    /** With every link in place, ask the kernel where each one really leads. */
    private static void requireRealTargetInside(Path realRoot, PackageLayout.Node link, Path path)
            throws InvalidPackageException, IOException {
        if (!Files.exists(path)) {
            return; // dangling inside the package; the layout checked it lexically and by resolution
        }
        if (!path.toRealPath().startsWith(realRoot)) {
            throw InvalidPackageException.linkEscapes(link.entry().getName(), link.linkTarget());
        }
    }

    private static void requireRealDirectory(Path directory) throws IOException {
        if (!Files.isDirectory(directory, NOFOLLOW_LINKS)) {
            throw new IOException("refusing to write below " + directory + ": not a plain directory");
        }
    }

    /** Renames the finished tree into place; false when another unpack of the same package got there first. */
    private static boolean publish(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (Files.isDirectory(target, NOFOLLOW_LINKS)) {
                log.debug("{} was unpacked concurrently; discarding our copy", target);
                return false;
            }
            throw e;
        }
        FileTrees.fsyncDirectory(target.getParent());
        return true;
    }

    static int filePermissions(int zipPermissions) {
        int permissions = zipPermissions == PackageLayout.NO_PERMISSIONS ? DEFAULT_FILE_PERMISSIONS : zipPermissions & 0777;
        permissions |= 0444;
        if ((permissions & 0111) != 0) {
            permissions |= 0111;
        }
        return permissions;
    }

    static int directoryPermissions(int zipPermissions) {
        return zipPermissions == PackageLayout.NO_PERMISSIONS
                ? DEFAULT_DIRECTORY_PERMISSIONS
                : (zipPermissions & 0777) | DEFAULT_DIRECTORY_PERMISSIONS;
    }

    private static void setPermissions(Path path, int mode) throws IOException {
        Files.getFileAttributeView(path, PosixFileAttributeView.class, NOFOLLOW_LINKS).setPermissions(toSet(mode));
    }

    static Set<PosixFilePermission> toSet(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] byBit = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int bit = 0; bit < byBit.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                permissions.add(byBit[bit]);
            }
        }
        return permissions;
    }

    private static void deleteQuietly(Path temp, Throwable failure) {
        try {
            FileTrees.deleteRecursively(temp);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
