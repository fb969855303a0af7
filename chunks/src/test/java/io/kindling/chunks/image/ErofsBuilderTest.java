package io.kindling.chunks.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ErofsBuilderTest {
    private final ErofsBuilder builder = new ErofsBuilder();
    @TempDir Path dir;

    @BeforeAll
    static void needsErofsUtils() throws Exception {
        // bin/test installs erofs-utils; a test run without it should say so, not fail obscurely.
        HostCommand.Result version = HostCommand.run(List.of("mkfs.erofs", "--help"), Duration.ofSeconds(10));
        assertThat(version.outputTail()).as("mkfs.erofs --help").contains("--blobdev");
    }

    @Test
    void theSameTreeGivesByteIdenticalParts() throws Exception {
        // Same content, created in the opposite order, at another path, with other mtimes.
        Path first = tree("first", false, Instant.parse("2020-01-01T00:00:00Z"));
        Path second = tree("second/deeper", true, Instant.parse("2025-06-30T12:34:56Z"));

        ErofsImage a = builder.build(first, dir.resolve("a.meta"), dir.resolve("a.blob"));
        ErofsImage b = builder.build(second, dir.resolve("b.meta"), dir.resolve("b.blob"));

        assertThat(Files.mismatch(a.metadata(), b.metadata())).as("metadata images differ at").isEqualTo(-1);
        assertThat(Files.mismatch(a.blob(), b.blob())).as("blobs differ at").isEqualTo(-1);
        assertThat(Files.size(a.blob())).as("the blob holds the files' bytes").isGreaterThanOrEqualTo(300_000);
        assertThat(Files.size(a.metadata())).as("the metadata stays small").isLessThan(64 * 1024);
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(p -> p.getFileName().toString())).as("no temporary file left")
                    .noneMatch(name -> name.endsWith(".tmp"));
        }
    }

    @Test
    void oneChangedFileChangesTheImage() throws Exception {
        Path original = tree("original", false, Instant.EPOCH);
        Path changed = tree("changed", false, Instant.EPOCH);
        Files.writeString(changed.resolve("lib/handler.py"), "def handler(e, c): return 2\n");

        ErofsImage a = builder.build(original, dir.resolve("a.meta"), dir.resolve("a.blob"));
        ErofsImage b = builder.build(changed, dir.resolve("b.meta"), dir.resolve("b.blob"));

        assertThat(Files.mismatch(a.blob(), b.blob())).as("the blob holds the changed bytes").isNotEqualTo(-1);
    }

    @Test
    void aChangedModeChangesTheMetadata() throws Exception {
        Path original = tree("original", false, Instant.EPOCH);
        Path changed = tree("changed", false, Instant.EPOCH);
        Files.setPosixFilePermissions(changed.resolve("bootstrap"), PosixFilePermissions.fromString("rw-r--r--"));

        ErofsImage a = builder.build(original, dir.resolve("a.meta"), dir.resolve("a.blob"));
        ErofsImage b = builder.build(changed, dir.resolve("b.meta"), dir.resolve("b.blob"));

        assertThat(Files.mismatch(a.metadata(), b.metadata())).isNotEqualTo(-1);
    }

    @Test
    void mountedImageKeepsModesContentAndSymlinks() throws Exception {
        Path source = tree("source", false, Instant.parse("2021-02-03T04:05:06Z"));
        ErofsImage image = builder.build(source, dir.resolve("i.meta"), dir.resolve("i.blob"));

        try (LoopMount mount = LoopMount.of(image, dir.resolve("mnt"))) {
            Path root = mount.root();
            assertThat(perms(root.resolve("bootstrap"))).isEqualTo("rwxr-xr-x");
            assertThat(perms(root.resolve("lib/handler.py"))).isEqualTo("rw-r--r--");
            assertThat(perms(root.resolve("lib/private"))).isEqualTo("rw-------");
            assertThat(perms(root.resolve("lib"))).isEqualTo("rwxr-x---");
            assertThat(Files.readString(root.resolve("lib/handler.py"))).isEqualTo("def handler(e, c): return 1\n");
            assertThat(Files.mismatch(root.resolve("data.bin"), source.resolve("data.bin"))).isEqualTo(-1);
            assertThat(Files.readSymbolicLink(root.resolve("current"))).isEqualTo(Path.of("lib/handler.py"));
            assertThat(Files.readString(root.resolve("current"))).as("the link resolves inside the image")
                    .isEqualTo("def handler(e, c): return 1\n");
            assertThat(Files.readSymbolicLink(root.resolve("lib/up"))).isEqualTo(Path.of("../bootstrap"));
            assertThat(Files.isDirectory(root.resolve("empty"))).isTrue();
            assertThat(Files.getAttribute(root.resolve("bootstrap"), "unix:uid")).isEqualTo(0);
            assertThat(Files.getAttribute(root.resolve("bootstrap"), "unix:gid")).isEqualTo(0);
            assertThat(Files.getLastModifiedTime(root.resolve("bootstrap"))).as("-T0").isEqualTo(FileTime.fromMillis(0));
        }
    }

    @Test
    void anEmptyTreeBuildsAndMounts() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));

        ErofsImage image = builder.build(empty, dir.resolve("e.meta"), dir.resolve("e.blob"));

        assertThat(Files.size(image.blob())).isZero();
        try (LoopMount mount = LoopMount.of(image, dir.resolve("mnt"))) {
            try (var entries = Files.list(mount.root())) {
                assertThat(entries).isEmpty();
            }
        }
    }

    @Test
    void fileImagePartsReadsBothParts() throws Exception {
        Path source = tree("source", false, Instant.EPOCH);
        ErofsImage image = builder.build(source, dir.resolve("i.meta"), dir.resolve("i.blob"));

        try (FileImageParts parts = FileImageParts.open(image)) {
            CountingImageParts counting = new CountingImageParts(parts);
            assertThat(counting.size(ImagePart.BLOB)).isEqualTo(Files.size(image.blob()));
            ByteBuffer superblock = ByteBuffer.allocate(4);
            // The EROFS superblock sits at byte 1024 and starts with its magic, 0xE0F5E1E2 little-endian.
            assertThat(counting.read(ImagePart.METADATA, 1024, superblock)).isEqualTo(4);
            assertThat(superblock.flip().order(ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo(0xE0F5E1E2);
            ByteBuffer past = ByteBuffer.allocate(10);
            assertThat(counting.read(ImagePart.BLOB, counting.size(ImagePart.BLOB) - 3, past)).as("short at the end").isEqualTo(3);
            assertThat(counting.bytesRead(ImagePart.METADATA)).isEqualTo(4);
            assertThat(counting.bytesRead(ImagePart.BLOB)).isEqualTo(3);
            assertThat(counting.reads(ImagePart.BLOB)).isEqualTo(1);
        }
    }

    @Test
    void notADirectoryIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> builder.build(file, dir.resolve("m"), dir.resolve("b")))
                .isInstanceOf(ImageBuildException.BadInput.class).hasMessageContaining("not a directory");
    }

    @Test
    void aMissingToolIsTyped() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        ErofsBuilder missing = new ErofsBuilder("/nonexistent/mkfs.erofs", Duration.ofSeconds(10));
        assertThatThrownBy(() -> missing.build(empty, dir.resolve("m"), dir.resolve("b")))
                .isInstanceOf(ImageBuildException.ToolMissing.class).hasMessageContaining("erofs-utils");
    }

    @Test
    void aFailedBuildCarriesTheToolsOutputAndLeavesNothing() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Path out = Files.createDirectory(dir.resolve("out"));
        ErofsBuilder failing = new ErofsBuilder("false", Duration.ofSeconds(10));
        assertThatThrownBy(() -> failing.build(empty, out.resolve("m"), out.resolve("b")))
                .isInstanceOf(ImageBuildException.Failed.class).hasMessageContaining("exited with 1");
        try (var listing = Files.list(out)) {
            assertThat(listing.filter(Files::isRegularFile)).as("no part or temp file left").isEmpty();
        }
    }

    /**
     * A small package: an executable bootstrap, a private file, a restricted directory, a 300 KB
     * random file, symlinks (one up a level, all inside the tree) and an empty directory.
     */
    private Path tree(String name, boolean reverseOrder, Instant mtime) throws IOException {
        Path root = Files.createDirectories(dir.resolve(name));
        byte[] data = new byte[300_000];
        new Random(42).nextBytes(data);
        List<IoStep> steps = List.of(
                () -> Files.createDirectory(root.resolve("lib")),
                () -> Files.writeString(root.resolve("bootstrap"), "#!/bin/sh\nexec python3 lib/handler.py\n"),
                () -> Files.write(root.resolve("data.bin"), data),
                () -> Files.createDirectory(root.resolve("empty")),
                () -> Files.createSymbolicLink(root.resolve("current"), Path.of("lib/handler.py")));
        List<IoStep> inLib = List.of(
                () -> Files.writeString(root.resolve("lib/handler.py"), "def handler(e, c): return 1\n"),
                () -> Files.writeString(root.resolve("lib/private"), "secret\n", StandardCharsets.UTF_8),
                () -> Files.createSymbolicLink(root.resolve("lib/up"), Path.of("../bootstrap")));
        if (reverseOrder) {
            steps.get(0).run();
            for (IoStep step : inLib.reversed()) {
                step.run();
            }
            for (IoStep step : steps.subList(1, steps.size()).reversed()) {
                step.run();
            }
        } else {
            for (IoStep step : steps) {
                step.run();
            }
            for (IoStep step : inLib) {
                step.run();
            }
        }
        Files.setPosixFilePermissions(root.resolve("bootstrap"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("lib/handler.py"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(root.resolve("lib/private"), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(root.resolve("lib"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String entry : List.of("bootstrap", "data.bin", "lib/handler.py", "lib", "empty", "")) {
            Files.setLastModifiedTime(root.resolve(entry), FileTime.from(mtime));
        }
        return root;
    }

    private static String perms(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @FunctionalInterface
    private interface IoStep {
        void run() throws IOException;
    }
}
