package io.kindling.worker.sandbox;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reading and writing cgroup control files, shared by v1 and v2. */
final class CgroupFiles {
    private CgroupFiles() {}

    static void write(Path file, String value) throws SandboxException {
        try {
            // One write(2) per value: cgroup files take a value per write call.
            Files.writeString(file, value);
        } catch (IOException e) {
            throw new SandboxException.CgroupFailed("writing '" + value + "' to " + file + ": " + e, e);
        }
    }

    static String read(Path file) throws SandboxException {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new SandboxException.CgroupFailed("reading " + file + ": " + e, e);
        }
    }

    static long readLong(Path file) throws SandboxException {
        String text = read(file);
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new SandboxException.CgroupFailed(file + " does not hold a number: " + text, e);
        }
    }

    /** A "key value" line of a flat-keyed file (memory.events, memory.oom_control, cpu.stat, cgroup.events). */
    static Optional<Long> keyed(Path file, String key) throws SandboxException {
        for (String line : read(file).split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 2 && parts[0].equals(key)) {
                try {
                    return Optional.of(Long.parseLong(parts[1]));
                } catch (NumberFormatException e) {
                    throw new SandboxException.CgroupFailed(file + ": " + key + " is not a number: " + parts[1], e);
                }
            }
        }
        return Optional.empty();
    }

    static Set<Long> procs(Path dir) throws SandboxException {
        Set<Long> pids = new LinkedHashSet<>();
        Path file = dir.resolve("cgroup.procs");
        if (!Files.exists(file)) {
            return pids;
        }
        for (String line : read(file).split("\n")) {
            if (!line.isBlank()) {
                pids.add(Long.parseLong(line.trim()));
            }
        }
        return pids;
    }

    static void createDirectory(Path dir) throws SandboxException {
        try {
            Files.createDirectory(dir);
        } catch (IOException e) {
            throw new SandboxException.CgroupFailed("creating " + dir + ": " + e
                    + (e instanceof FileAlreadyExistsException ? " (a leftover? see cleanLeftovers)" : ""), e);
        }
    }

    static void createDirectories(Path dir) throws SandboxException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SandboxException.CgroupFailed("creating " + dir + ": " + e, e);
        }
    }

    /**
     * Removes cgroup directories (rmdir: their control files are not real files and go with them),
     * retrying while the kernel still counts exiting tasks (EBUSY), killing anything that remains.
     */
    static void removeDirectories(SandboxCgroup cgroup, List<Path> dirs, Duration timeout) throws SandboxException {
        boolean removed;
        try {
            removed = Poll.until(() -> {
                boolean allGone = true;
                for (Path dir : dirs) {
                    try {
                        Files.deleteIfExists(dir);
                    } catch (DirectoryNotEmptyException e) {
                        // Only a v1/v2 child cgroup can make it non-empty; we create none.
                        allGone = false;
                    } catch (FileSystemException e) {
                        // EBUSY: tasks still attached. Kill again in case one was born meanwhile.
                        allGone = false;
                        try {
                            cgroup.killAll();
                        } catch (SandboxException ignored) {
                            // Retried on the next round.
                        }
                    }
                }
                return allGone;
            }, timeout);
        } catch (IOException e) {
            throw new SandboxException.CgroupFailed("removing " + dirs + ": " + e, e);
        }
        if (!removed) {
            throw new SandboxException.CgroupFailed("still busy after " + timeout + ": " + dirs, null);
        }
    }

    static boolean exists(Path file) {
        return Files.exists(file);
    }
}
