package io.kindling.server;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/**
 * The node's data directory, created 0700 (0710 for the sandbox group once a worker runs) and held with an exclusive lock for the process's
 * life: two servers writing one registry and one code store would corrupt neither SQLite nor
 * the files, but would confuse each other's state machines.
 */
final class DataDirectory implements AutoCloseable {
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

    final Path root;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private DataDirectory(Path root, FileChannel lockChannel, FileLock lock) {
        this.root = root;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    static DataDirectory open(Path dir) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        FileChannel channel = FileChannel.open(root.resolve("lock"), Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
        FileLock lock = channel.tryLock();
        if (lock == null) {
            channel.close();
            throw new IOException("another Kindling server is using the data directory " + root
                    + "; stop it or pass a different --data-dir");
        }
        return new DataDirectory(root, channel, lock);
    }

    /**
     * The registry database, created 0600 if new: SQLite gives its -wal and -shm files the database file's mode, and
     * the sandbox group can traverse this directory (see {@link #letSandboxesReachCode}).
     */
    Path registryFile() throws IOException {
        Path file = root.resolve("registry.db");
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
        } else {
            Files.setPosixFilePermissions(file, PRIVATE_FILE);
        }
        return file;
    }

    /**
     * Lets bubblewrap, which runs as the sandbox uid, reach the code it binds at /var/task: the data directory,
     * code/ and code/unpacked/, mounts/ and mounts/images/, chunks/ and chunks/materialized/ become group
     * {@code sandboxGid} with search permission only (0710), so the sandbox user can pass through them but list
     * nothing, and everything else in them (the chunk origin, manifests, the master key) stays 0600/0700. The
     * directories above the data directory must already be searchable by others.
     *
     * @throws IOException if a directory above is not searchable, with a message saying which
     */
    void letSandboxesReachCode(int sandboxGid) throws IOException {
        for (Path above = root.getParent(); above != null; above = above.getParent()) {
            if (!Files.getPosixFilePermissions(above).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IOException("sandboxes cannot reach the data directory " + root + ": " + above
                        + " is not searchable by other users (chmod o+x it, or use a --data-dir elsewhere)");
            }
        }
        Path code = codeDir();
        Path unpacked = code.resolve("unpacked");
        Files.createDirectories(unpacked);
        Path mounts = mountsDir();
        Path images = mounts.resolve("images");
        Files.createDirectories(images);
        Path materialized = materializedDir();
        Files.createDirectories(materialized);
        GroupPrincipal group = root.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByGroupName(Integer.toString(sandboxGid));
        for (Path dir : List.of(root, code, unpacked, mounts, images, materialized.getParent(), materialized)) {
            Files.getFileAttributeView(dir, PosixFileAttributeView.class).setGroup(group);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x---"));
        }
    }

    /**
     * Where the worker mounts code images ({@code io.kindling.worker.images.ImageMounts}): the FUSE filesystem serving
     * their parts at mounts/fuse, each EROFS image at mounts/images/&lt;sha256&gt;. Bubblewrap, running as the sandbox
     * user, binds an image from there, so mounts/ and mounts/images/ are group {@code sandboxGid} with search
     * permission only (0710), like code/. Created here, before ImageMounts creates them with the umask's modes.
     */
    Path mountsDir() {
        return root.resolve("mounts");
    }

    /**
     * Where the worker materializes code images from their chunks when it does not mount them
     * ({@code MaterializedCodeImages}), one directory per image; reachable by the sandbox user like mounts/images/.
     */
    Path materializedDir() {
        return root.resolve("chunks").resolve("materialized");
    }

    Path codeDir() {
        return root.resolve("code");
    }

    /** Function logs, one directory per function (see io.kindling.worker.logs); created 0700. */
    Path logsDir() throws IOException {
        Path logs = root.resolve("logs");
        if (!Files.isDirectory(logs)) {
            Files.createDirectories(logs, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return logs;
    }

    /** The async queue's database (events.db): events carry callers' payloads, so 0700. */
    Path eventsDir() throws IOException {
        Path events = root.resolve("events");
        if (!Files.isDirectory(events)) {
            Files.createDirectories(events, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return events;
    }

    Path stagingDir() {
        return root.resolve("staging");
    }

    @Override
    public void close() throws IOException {
        lock.release();
        lockChannel.close();
    }
}
