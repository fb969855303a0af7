package io.kindling.worker.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** What a test must not leave behind under its directory: mounts, loop devices, mount points. */
final class ImageLeftovers {
    private ImageLeftovers() {}

    static void assertNoneUnder(Path dir) throws Exception {
        Path root = dir.toAbsolutePath().normalize();
        assertThat(Unmounts.mountPointsUnder(root)).as("mounts left under %s", root).isEmpty();
        assertThat(LoopDevices.attached().entrySet().stream().filter(e -> e.getValue().startsWith(root)).map(Map.Entry::getKey))
                .as("loop devices left on files under %s", root).isEmpty();
        Path images = root.resolve("mounts/images");
        if (Files.isDirectory(images)) {
            try (var entries = Files.list(images)) {
                assertThat(entries).as("mount points left").isEmpty();
            }
        }
    }
}
