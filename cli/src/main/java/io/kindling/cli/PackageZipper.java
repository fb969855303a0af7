package io.kindling.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/**
 * Zips a directory the way Lambda expects a deployment package: paths relative to the root, unix
 * modes kept (an executable {@code bootstrap} must stay executable), symlinks stored as links,
 * entries sorted and timestamps fixed so the same tree always gives the same CodeSha256.
 */
final class PackageZipper {
    private static final FileTime EPOCH_1980 = FileTime.fromMillis(315_532_800_000L);

    private PackageZipper() {}

    static void zip(Path root, OutputStream target) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.filter(p -> !p.equals(root)).sorted().toList();
        }
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(target)) {
            for (Path p : paths) {
                String name = root.relativize(p).toString().replace('\\', '/');
                if (Files.isSymbolicLink(p)) {
                    ZipArchiveEntry e = new ZipArchiveEntry(name);
                    e.setUnixMode(0120777);
                    e.setLastModifiedTime(EPOCH_1980);
                    zip.putArchiveEntry(e);
                    zip.write(Files.readSymbolicLink(p).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    zip.closeArchiveEntry();
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    ZipArchiveEntry e = new ZipArchiveEntry(name + "/");
                    e.setUnixMode(040000 | mode(p));
                    e.setLastModifiedTime(EPOCH_1980);
                    zip.putArchiveEntry(e);
                    zip.closeArchiveEntry();
                } else {
                    ZipArchiveEntry e = new ZipArchiveEntry(name);
                    e.setUnixMode(0100000 | mode(p));
                    e.setLastModifiedTime(EPOCH_1980);
                    zip.putArchiveEntry(e);
                    Files.copy(p, zip);
                    zip.closeArchiveEntry();
                }
            }
        }
    }

    private static int mode(Path p) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        int mode = 0;
        for (PosixFilePermission perm : PosixFilePermission.values()) {
            if (perms.contains(perm)) {
                mode |= 1 << (8 - perm.ordinal());
            }
        }
        return mode;
    }
}
