package io.kindling.worker.images;

import io.kindling.chunks.image.HostCommand;
import io.kindling.chunks.image.HostCommandException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reading the mount table and unmounting, with util-linux's mount and umount. */
final class Unmounts {
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private Unmounts() {}

    /** Mount points at or under {@code root}, in mount order (a mount on top of another comes later). */
    static List<Path> mountPointsUnder(Path root) throws ImageMountException {
        Path normalized = root.toAbsolutePath().normalize();
        List<Path> found = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(MOUNTINFO)) {
                String[] fields = line.split(" ");
                if (fields.length > 4) {
                    Path mountPoint = Path.of(unescape(fields[4]));
                    if (mountPoint.startsWith(normalized)) {
                        found.add(mountPoint);
                    }
                }
            }
        } catch (IOException e) {
            throw new ImageMountException.Failed("reading " + MOUNTINFO + ": " + e.getMessage(), e);
        }
        return found;
    }

    static boolean isMountPoint(Path path) throws ImageMountException {
        return mountPointsUnder(path).contains(path.toAbsolutePath().normalize());
    }

    /**
     * Unmounts {@code mountPoint}: a plain umount first, and if that fails (busy) while it is still
     * mounted, a lazy one, which detaches it now and frees it when its last user is gone. Nothing to
     * do if it is not mounted.
     */
    static void unmount(Path mountPoint) throws ImageMountException {
        if (!isMountPoint(mountPoint)) {
            return;
        }
        HostCommand.Result plain = run(List.of("umount", mountPoint.toString()));
        if (plain.succeeded() || !isMountPoint(mountPoint)) {
            return;
        }
        lazily(mountPoint, plain.describe());
    }

    /** umount -l: never waits for users, used for leftovers of a crashed run. */
    static void lazily(Path mountPoint, String why) throws ImageMountException {
        HostCommand.Result lazy = run(List.of("umount", "-l", mountPoint.toString()));
        if (!lazy.succeeded() && isMountPoint(mountPoint)) {
            throw new ImageMountException.Failed(lazy.describe() + (why == null ? "" : " (after: " + why + ")"), null);
        }
    }

    static HostCommand.Result run(List<String> command) throws ImageMountException {
        try {
            return HostCommand.run(command, TIMEOUT);
        } catch (HostCommandException.NotRunnable e) {
            throw new ImageMountException.Unavailable(ImageMountException.Missing.TOOL, e.getMessage(), e);
        } catch (HostCommandException e) {
            throw new ImageMountException.Failed(e.getMessage(), e);
        }
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
