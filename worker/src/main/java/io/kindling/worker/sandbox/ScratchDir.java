package io.kindling.worker.sandbox;

import io.kindling.chunks.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A sandbox's directory on the host, {@code <scratchRoot>/<prefix>-<id>}: the generated /etc files
 * its root binds read-only. Everything in it is root-owned and world-readable, not writable by the
 * sandbox uid: bwrap runs as that uid and must be able to read what it binds.
 */
final class ScratchDir {
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-r--r--");
    private static final List<String> ETC_FILES = List.of("passwd", "group", "hosts");

    private final Path dir;

    private ScratchDir(Path dir) {
        this.dir = dir;
    }

    /** Creates the directory and the generated /etc files; fails if it already exists (a leftover). */
    static ScratchDir create(Path root, String name, Map<String, String> values) throws SandboxException {
        return create(root, name, values, true);
    }

    /**
     * Creates the directory, with the generated /etc files only if {@code generatedEtc}: a container image's sandbox
     * binds its image's own /etc and never reads them.
     */
    static ScratchDir create(Path root, String name, Map<String, String> values, boolean generatedEtc)
            throws SandboxException {
        Path dir = root.resolve(name);
        try {
            if (!Files.isDirectory(root)) {
                Files.createDirectories(root);
                // Whatever the worker's umask: bwrap, running as the sandbox uid, must traverse it.
                Files.setPosixFilePermissions(root, DIRECTORY);
            }
            Files.createDirectory(dir);
            Files.setPosixFilePermissions(dir, DIRECTORY);
            if (generatedEtc) {
                Path etc = Files.createDirectory(dir.resolve("etc"));
                Files.setPosixFilePermissions(etc, DIRECTORY);
                for (String file : ETC_FILES) {
                    Path target = etc.resolve(file);
                    Files.writeString(target, Templates.fill(DataFile.text("etc/" + file), values), StandardCharsets.UTF_8);
                    Files.setPosixFilePermissions(target, FILE);
                }
            }
            return new ScratchDir(dir);
        } catch (IOException e) {
            deleteQuietly(dir);
            throw new SandboxException.ScratchFailed(dir + ": " + e, e);
        }
    }

    Path dir() {
        return dir;
    }

    /**
     * Renames the directory to {@code name} in the same root (one rename), so a pre-created slot's scratch directory
     * is named after the sandbox that took it, like one it made itself.
     */
    ScratchDir renameTo(String name) throws SandboxException {
        Path target = dir.resolveSibling(name);
        try {
            Files.move(dir, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return new ScratchDir(target);
        } catch (IOException e) {
            throw new SandboxException.ScratchFailed(dir + " → " + target + ": " + e, e);
        }
    }

    Path etcFile(String name) {
        return dir.resolve("etc").resolve(name);
    }

    void delete() throws SandboxException {
        try {
            FileTrees.deleteRecursively(dir);
        } catch (IOException e) {
            throw new SandboxException.ScratchFailed(dir + ": " + e, e);
        }
    }

    /** Scratch directories under {@code root} whose names start with {@code prefix}. */
    static List<Path> list(Path root, String prefix) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, prefix + "*")) {
            entries.forEach(found::add);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        return found;
    }

    private static void deleteQuietly(Path dir) {
        try {
            FileTrees.deleteRecursively(dir);
        } catch (IOException ignored) {
            // Already failing; cleanLeftovers() removes it later.
        }
    }
}
