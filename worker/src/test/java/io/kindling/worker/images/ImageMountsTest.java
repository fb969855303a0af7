package io.kindling.worker.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.image.CountingImageParts;
import io.kindling.chunks.image.ErofsBuilder;
import io.kindling.chunks.image.ErofsImage;
import io.kindling.chunks.image.FileImageParts;
import io.kindling.chunks.image.ImagePart;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole lazy path with real root: mkfs.erofs → FUSE (jfuse) → loop devices → EROFS mount. */
class ImageMountsTest {
    private static final int BIG = 20 * 1024 * 1024;
    private static final long MIB = 1024 * 1024;

    @TempDir Path dir;
    private ImageMounts mounts;

    @AfterEach
    void closeMounts() throws Exception {
        if (mounts != null) {
            mounts.close();
        }
        ImageLeftovers.assertNoneUnder(dir);
    }

    @Test
    void readingASmallFileFetchesASmallFractionOfTheBlob() throws Exception {
        ErofsImage image = build("one", "hello from the small file\n");
        try (FileImageParts files = FileImageParts.open(image)) {
            ThreadRecordingParts threads = new ThreadRecordingParts(files);
            CountingImageParts counting = new CountingImageParts(threads);
            mounts = ImageMounts.start(dir.resolve("mounts"));

            MountedImage mounted = mounts.mount(new ImageId("one"), counting);
            long blobAfterMount = counting.bytesRead(ImagePart.BLOB);
            String text = Files.readString(mounted.root().resolve("a-small.txt"));

            assertThat(text).isEqualTo("hello from the small file\n");
            assertThat(Files.size(mounted.root().resolve("big.bin"))).isEqualTo(BIG);
            assertThat(blobAfterMount).as("mounting reads nothing of the blob").isZero();
            assertThat(counting.bytesRead(ImagePart.BLOB)).as("blob bytes fetched for the small file (of %d)", BIG)
                    .isPositive().isLessThan(MIB);
            assertThat(counting.bytesRead(ImagePart.METADATA)).as("metadata bytes").isLessThanOrEqualTo(Files.size(image.metadata()));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(mounted.root().resolve("bootstrap"))))
                    .as("the bootstrap stays executable").isEqualTo("rwxr-xr-x");
            assertThat(threads.readers()).as("FUSE callbacks ran on platform threads").isNotEmpty().noneMatch(Thread::isVirtual);

            mounted.close();
            assertThat(Unmounts.isMountPoint(mounted.root())).isFalse();
            assertThat(mounted.root()).doesNotExist();
            assertThat(LoopDevices.attached()).doesNotContainKeys(mounted.metadataLoop(), mounted.blobLoop());
            mounts.close();
            mounts = null;
        }
    }

    @Test
    void twoImagesMountedAtOnceEachReadTheirOwnContent() throws Exception {
        ErofsImage first = build("first", "I am the first\n");
        ErofsImage second = build("second", "I am the second\n");
        try (FileImageParts firstParts = FileImageParts.open(first); FileImageParts secondParts = FileImageParts.open(second)) {
            mounts = ImageMounts.start(dir.resolve("mounts"));
            MountedImage a = mounts.mount(new ImageId("a"), firstParts);
            MountedImage b = mounts.mount(new ImageId("b"), secondParts);

            assertThat(Files.readString(a.root().resolve("a-small.txt"))).isEqualTo("I am the first\n");
            assertThat(Files.readString(b.root().resolve("a-small.txt"))).isEqualTo("I am the second\n");
            assertThat(Files.mismatch(a.root().resolve("big.bin"), dir.resolve("first/big.bin"))).as("the whole 20 MB file").isEqualTo(-1);
            assertThat(mounts.mounted()).hasSize(2);
            assertThatThrownBy(() -> mounts.mount(new ImageId("a"), secondParts))
                    .isInstanceOf(ImageMountException.Failed.class).hasMessageContaining("already");
        }
    }

    @Test
    void everythingIsReadOnly() throws Exception {
        ErofsImage image = build("one", "hello\n");
        try (FileImageParts files = FileImageParts.open(image)) {
            mounts = ImageMounts.start(dir.resolve("mounts"));
            MountedImage mounted = mounts.mount(new ImageId("one"), files);
            Path part = mounts.fuseMountPoint().resolve("one/blob");

            assertThat(Files.size(part)).isEqualTo(Files.size(image.blob()));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(part))).isEqualTo("r--r--r--");
            assertThatThrownBy(() -> Files.writeString(mounted.root().resolve("a-small.txt"), "changed"))
                    .isInstanceOf(IOException.class).hasMessageContaining("Read-only file system");
            assertThatThrownBy(() -> Files.writeString(part, "changed")).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> Files.createFile(mounts.fuseMountPoint().resolve("one/new")))
                    .isInstanceOf(IOException.class);
            assertThatThrownBy(() -> Files.delete(part)).isInstanceOf(IOException.class);
            assertThat(Files.readString(mounted.root().resolve("a-small.txt"))).isEqualTo("hello\n");
            // An image may hold setuid files and device nodes; on the host they must mean nothing.
            assertThat(mountOptions(mounted.root())).contains("ro", "nosuid", "nodev");
        }
    }

    /** The per-mount options (mountinfo's sixth field) of the mount at {@code mountPoint}. */
    private static List<String> mountOptions(Path mountPoint) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (Unmounts.unescape(fields[4]).equals(mountPoint.toString())) {
                return List.of(fields[5].split(","));
            }
        }
        throw new AssertionError("no mount at " + mountPoint);
    }

    @Test
    void anEmptyImageMounts() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        ErofsImage image = new ErofsBuilder().build(empty, dir.resolve("empty.meta"), dir.resolve("empty.blob"));
        try (FileImageParts files = FileImageParts.open(image)) {
            mounts = ImageMounts.start(dir.resolve("mounts"));
            MountedImage mounted = mounts.mount(new ImageId("empty"), files);
            try (var entries = Files.list(mounted.root())) {
                assertThat(entries).isEmpty();
            }
        }
    }

    @Test
    void aFailedPartReadIsAnErrorForTheReaderNeverWrongBytes() throws Exception {
        ErofsImage image = build("one", "hello\n");
        try (FileImageParts files = FileImageParts.open(image)) {
            FailingBlobParts failing = new FailingBlobParts(files);
            mounts = ImageMounts.start(dir.resolve("mounts"));
            MountedImage mounted = mounts.mount(new ImageId("one"), failing);
            failing.failBlob(true);

            assertThat(Files.size(mounted.root().resolve("a-small.txt"))).as("metadata still reads").isEqualTo(6);
            assertThatThrownBy(() -> Files.readString(mounted.root().resolve("a-small.txt")))
                    .isInstanceOf(IOException.class).hasMessageContaining("Input/output error");

            failing.failBlob(false);
            assertThat(Files.readString(mounted.root().resolve("a-small.txt"))).as("nothing wrong was cached").isEqualTo("hello\n");
        }
    }

    @Test
    void aMissingPrerequisiteIsReportedAsUnavailable() throws Exception {
        Path status = Files.writeString(dir.resolve("status"), "Name:\tjava\nUid:\t1000\t1000\t1000\t1000\n");
        Path rootStatus = Files.writeString(dir.resolve("root-status"), "Uid:\t0\t0\t0\t0\n");
        Path fuse = Path.of("/dev/fuse");
        Path loopControl = Path.of("/dev/loop-control");

        assertUnavailable(new MountPrerequisites(fuse, loopControl, status), ImageMountException.Missing.ROOT);
        assertUnavailable(new MountPrerequisites(dir.resolve("no-fuse"), loopControl, rootStatus), ImageMountException.Missing.FUSE_DEVICE);
        assertUnavailable(new MountPrerequisites(fuse, dir.resolve("no-loop-control"), rootStatus), ImageMountException.Missing.LOOP_DEVICE);
        new MountPrerequisites(fuse, loopControl, rootStatus).check();
        MountPrerequisites.host().check();
    }

    private void assertUnavailable(MountPrerequisites prerequisites, ImageMountException.Missing missing) {
        assertThatThrownBy(() -> ImageMounts.start(dir.resolve("mounts"), prerequisites))
                .isInstanceOfSatisfying(ImageMountException.Unavailable.class, e -> assertThat(e.missing()).isEqualTo(missing));
    }

    /**
     * A package: a 20 MB random file, a small text file, an executable bootstrap. The small file's
     * name sorts first, so its bytes lead the blob and the kernel's readahead after it would run
     * into the big file: the lazy-read assertion is not helped by the end of the blob.
     */
    private ErofsImage build(String name, String smallText) throws Exception {
        Path tree = Files.createDirectories(dir.resolve(name));
        Random random = new Random(name.hashCode());
        byte[] block = new byte[1024 * 1024];
        try (OutputStream out = Files.newOutputStream(tree.resolve("big.bin"))) {
            for (int i = 0; i < BIG / block.length; i++) {
                random.nextBytes(block);
                out.write(block);
            }
        }
        Files.writeString(tree.resolve("a-small.txt"), smallText);
        Files.writeString(tree.resolve("bootstrap"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(tree.resolve("bootstrap"), PosixFilePermissions.fromString("rwxr-xr-x"));
        return new ErofsBuilder().build(tree, dir.resolve(name + ".meta"), dir.resolve(name + ".blob"));
    }
}
