package io.kindling.worker.images;

import static org.assertj.core.api.Assertions.assertThat;

import io.kindling.chunks.image.ErofsBuilder;
import io.kindling.chunks.image.ErofsImage;
import io.kindling.chunks.image.FileImageParts;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker killed with SIGKILL leaves an EROFS mount, two loop devices and a dead FUSE mount; the next start removes them. */
class ImageMountsCrashTest {
    @TempDir Path dir;

    @Test
    void theNextStartRemovesWhatAKilledRunLeft() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Files.writeString(tree.resolve("a-small.txt"), "still here\n");
        Files.write(tree.resolve("data.bin"), new byte[256 * 1024]);
        ErofsImage image = new ErofsBuilder().build(tree, dir.resolve("i.meta"), dir.resolve("i.blob"));
        Path root = dir.resolve("mounts");

        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                CrashingImageMounter.class.getName(), root.toString(), image.metadata().toString(), image.blob().toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).as("the child mounted and read the image").isEqualTo("mounted still here");
        } finally {
            child.destroyForcibly(); // SIGKILL: no close, no shutdown hook
        }
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(Unmounts.mountPointsUnder(root)).as("the killed run left its FUSE and EROFS mounts").hasSize(2);
        assertThat(LoopDevices.attached().values()).as("and its loop devices").filteredOn(file -> file.startsWith(root)).hasSize(2);

        try (FileImageParts parts = FileImageParts.open(image); ImageMounts mounts = ImageMounts.start(root)) {
            assertThat(Unmounts.mountPointsUnder(root)).as("only the new FUSE mount").containsExactly(root.resolve("fuse"));
            MountedImage again = mounts.mount(new ImageId("crashed"), parts);
            assertThat(Files.readString(again.root().resolve("a-small.txt"))).isEqualTo("still here\n");
        }
        ImageLeftovers.assertNoneUnder(dir);
    }
}
