package io.kindling.worker.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a host needs before images can be mounted lazily, checked up front so the caller learns it
 * once, with a reason, and materializes code into directories instead (issue 5, item 6). libfuse3,
 * the tools and EROFS support are found when they are first used ({@link ImageMountException.Unavailable}
 * as well).
 */
record MountPrerequisites(Path fuseDevice, Path loopControl, Path procStatus) {
    static MountPrerequisites host() {
        return new MountPrerequisites(Path.of("/dev/fuse"), Path.of("/dev/loop-control"), Path.of("/proc/self/status"));
    }

    void check() throws ImageMountException.Unavailable {
        long uid = effectiveUid();
        if (uid != 0) {
            throw new ImageMountException.Unavailable(ImageMountException.Missing.ROOT,
                    "running as uid " + uid + "; mounting needs root", null);
        }
        if (!Files.exists(fuseDevice) || !Files.isReadable(fuseDevice) || !Files.isWritable(fuseDevice)) {
            throw new ImageMountException.Unavailable(ImageMountException.Missing.FUSE_DEVICE,
                    fuseDevice + " is missing or not readable and writable", null);
        }
        if (!Files.exists(loopControl)) {
            throw new ImageMountException.Unavailable(ImageMountException.Missing.LOOP_DEVICE,
                    loopControl + " is missing (no loop driver, or a container without loop devices)", null);
        }
    }

    /** The effective uid, the second number of the "Uid:" line; -1 if it cannot be read. */
    private long effectiveUid() {
        try {
            for (String line : Files.readAllLines(procStatus)) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).strip().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
