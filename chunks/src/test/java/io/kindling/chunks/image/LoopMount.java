package io.kindling.chunks.image;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A test's read-only loop mount of an image from plain files; close unmounts and detaches. */
public final class LoopMount implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final Path root;
    private final List<String> loops = new ArrayList<>();
    private boolean mounted;

    private LoopMount(Path root) {
        this.root = root;
    }

    public static LoopMount of(ErofsImage image, Path mountPoint) throws Exception {
        LoopMount mount = new LoopMount(Files.createDirectories(mountPoint));
        try {
            String meta = mount.attach(image.metadata());
            String blob = mount.attach(image.blob());
            check(HostCommand.run(List.of("mount", "-t", "erofs", "-o", "ro,device=" + blob, meta, mountPoint.toString()), TIMEOUT));
            mount.mounted = true;
        } catch (Exception e) {
            mount.close();
            throw e;
        }
        return mount;
    }

    public Path root() {
        return root;
    }

    private String attach(Path file) throws Exception {
        HostCommand.Result result = check(HostCommand.run(List.of("losetup", "--find", "--show", "--read-only", file.toString()), TIMEOUT));
        String device = result.outputTail().lines().filter(l -> l.startsWith("/dev/")).findFirst().orElseThrow();
        loops.add(device);
        return device;
    }

    private static HostCommand.Result check(HostCommand.Result result) {
        if (!result.succeeded()) {
            throw new IllegalStateException(result.describe());
        }
        return result;
    }

    @Override
    public void close() throws Exception {
        if (mounted) {
            check(HostCommand.run(List.of("umount", root.toString()), TIMEOUT));
        }
        for (String loop : loops) {
            check(HostCommand.run(List.of("losetup", "-d", loop), TIMEOUT));
        }
    }
}
