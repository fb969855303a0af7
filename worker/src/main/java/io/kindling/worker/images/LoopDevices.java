package io.kindling.worker.images;

import io.kindling.chunks.image.HostCommand;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Read-only loop devices over files, with util-linux's losetup rather than LOOP_CTL_GET_FREE and
 * LOOP_CONFIGURE through FFM: losetup already handles the race of two callers picking the same free
 * device (it retries) and falls back to older ioctls on older kernels. Its cost, a process spawn of a
 * few milliseconds, is paid twice per image per worker, not per sandbox or per read.
 */
final class LoopDevices {
    private static final Path SYS_BLOCK = Path.of("/sys/block");

    private LoopDevices() {}

    /** Attaches {@code file} read-only to a free loop device and returns the device's path. */
    static String attach(Path file) throws ImageMountException {
        HostCommand.Result result = Unmounts.run(List.of("losetup", "--find", "--show", "--read-only", file.toString()));
        String device = result.outputTail().lines().filter(line -> line.startsWith("/dev/loop")).findFirst().orElse(null);
        if (result.succeeded() && device != null) {
            return device;
        }
        String output = result.outputTail();
        if (output.contains("loop-control") || output.contains("cannot find an unused loop device")) {
            throw new ImageMountException.Unavailable(ImageMountException.Missing.LOOP_DEVICE, result.describe(), null);
        }
        throw new ImageMountException.Failed(result.describe(), null);
    }

    /** Detaches {@code device}; a device still in use detaches itself when its last user closes it. */
    static void detach(String device) throws ImageMountException {
        HostCommand.Result result = Unmounts.run(List.of("losetup", "--detach", device));
        if (!result.succeeded() && attached().containsKey(device)) {
            throw new ImageMountException.Failed(result.describe(), null);
        }
    }

    /**
     * Every attached loop device and the file behind it, read from sysfs rather than from losetup's
     * listing: no process, and no output to bound however many devices there are.
     */
    static Map<String, Path> attached() throws ImageMountException {
        Map<String, Path> devices = new LinkedHashMap<>();
        try (DirectoryStream<Path> blocks = Files.newDirectoryStream(SYS_BLOCK, "loop*")) {
            for (Path block : blocks) {
                Path backing = block.resolve("loop/backing_file");
                try {
                    // One line, the path as the kernel knows it, "(deleted)" appended if it was unlinked.
                    String file = Files.readString(backing).strip();
                    devices.put("/dev/" + block.getFileName(), Path.of(file));
                } catch (NoSuchFileException e) {
                    // Not attached: sysfs has no loop/backing_file for a free device.
                }
            }
        } catch (IOException e) {
            throw new ImageMountException.Failed("listing loop devices in " + SYS_BLOCK + ": " + e.getMessage(), e);
        }
        return devices;
    }
}
