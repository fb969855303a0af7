package io.kindling.worker.images;

import io.kindling.chunks.image.FileImageParts;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A child JVM for {@link ImageMountsCrashTest}: mounts an image under the given root, proves it
 * reads, says so and waits to be killed (it never closes anything).
 */
public final class CrashingImageMounter {
    private CrashingImageMounter() {}

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        FileImageParts parts = FileImageParts.open(Path.of(args[1]), Path.of(args[2]));
        ImageMounts mounts = ImageMounts.start(root);
        MountedImage image = mounts.mount(new ImageId("crashed"), parts);
        System.out.println("mounted " + Files.readString(image.root().resolve("a-small.txt")).strip());
        System.out.flush();
        // Held until the parent's SIGKILL; stdin stays open until then.
        System.in.read();
    }
}
