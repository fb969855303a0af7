package io.kindling.server;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The node's data directory, created 0700 and held with an exclusive lock for the process's
 * life: two servers writing one registry and one code store would corrupt neither SQLite nor
 * the files, but would confuse each other's state machines.
 */
final class DataDirectory implements AutoCloseable {
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
        FileChannel channel = FileChannel.open(root.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            channel.close();
            throw new IOException("another Kindling server is using the data directory " + root
                    + "; stop it or pass a different --data-dir");
        }
        return new DataDirectory(root, channel, lock);
    }

    Path registryFile() {
        return root.resolve("registry.db");
    }

    Path codeDir() {
        return root.resolve("code");
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
