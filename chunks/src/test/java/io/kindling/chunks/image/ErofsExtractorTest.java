package io.kindling.chunks.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images built by mkfs.erofs, extracted by fsck.erofs into plain directories. */
class ErofsExtractorTest {
    private final ErofsBuilder builder = new ErofsBuilder();
    private final ErofsExtractor extractor = new ErofsExtractor();
    @TempDir Path dir;

    @BeforeAll
    static void needsErofsUtils() throws Exception {
        HostCommand.Result help = HostCommand.run(List.of("fsck.erofs", "--help"), Duration.ofSeconds(10));
        assertThat(help.outputTail()).as("fsck.erofs --help").contains("--extract").contains("--preserve-perms");
    }

    @Test
    void theExtractedTreeKeepsModesContentSymlinksAndEmptyEntries() throws Exception {
        Path source = tree();
        ErofsImage image = build(source);
        Path target = Files.createDirectory(dir.resolve("out")).resolve("tree");

        try (FileImageParts parts = FileImageParts.open(image)) {
            extractor.extract(parts, target);
        }

        assertThat(perms(target)).as("the image root's mode").isEqualTo("rwxr-xr-x");
        assertThat(perms(target.resolve("bootstrap"))).isEqualTo("rwxr-xr-x");
        assertThat(perms(target.resolve("lib"))).isEqualTo("rwxr-x---");
        assertThat(perms(target.resolve("lib/private"))).as("no umask applied").isEqualTo("rw-------");
        assertThat(perms(target.resolve("shared"))).as("no umask applied").isEqualTo("rw-rw-rw-");
        assertThat(Files.readString(target.resolve("bootstrap"))).isEqualTo("#!/bin/sh\necho hello\n");
        // 3 MB spans six of the blob's 512 KiB chunk-indexed blocks.
        assertThat(Files.mismatch(target.resolve("lib/data.bin"), source.resolve("lib/data.bin"))).isEqualTo(-1);
        assertThat(Files.readSymbolicLink(target.resolve("current"))).isEqualTo(Path.of("lib/data.bin"));
        assertThat(Files.readSymbolicLink(target.resolve("lib/up"))).isEqualTo(Path.of("../bootstrap"));
        assertThat(Files.readSymbolicLink(target.resolve("outside"))).as("written as a link, never followed")
                .isEqualTo(Path.of("/nonexistent/target"));
        assertThat(Files.size(target.resolve("empty"))).isZero();
        assertThat(Files.isRegularFile(target.resolve("empty"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        try (var emptyDir = Files.list(target.resolve("nothing"))) {
            assertThat(emptyDir).isEmpty();
        }
        assertThat(Files.getAttribute(target.resolve("bootstrap"), "unix:uid")).isEqualTo(0);
        try (var listing = Files.list(target.getParent())) {
            assertThat(listing).as("the parts and the temporary directory are gone").containsExactly(target);
        }
    }

    @Test
    void anEmptyImageExtractsToAnEmptyDirectory() throws Exception {
        ErofsImage image = build(Files.createDirectory(dir.resolve("empty")));
        Path target = dir.resolve("tree");

        try (FileImageParts parts = FileImageParts.open(image)) {
            extractor.extract(parts, target);
        }

        try (var entries = Files.list(target)) {
            assertThat(entries).isEmpty();
        }
    }

    @Test
    void everyReadAsksForAtMostOneSlice() throws Exception {
        ErofsImage image = build(tree());
        AtomicInteger largest = new AtomicInteger();

        try (FileImageParts files = FileImageParts.open(image)) {
            extractor.extract(new ImageParts() {
                @Override
                public long size(ImagePart part) {
                    return files.size(part);
                }

                @Override
                public int read(ImagePart part, long offset, ByteBuffer into) throws IOException {
                    largest.accumulateAndGet(into.remaining(), Math::max);
                    return files.read(part, offset, into);
                }
            }, dir.resolve("tree"));
        }

        assertThat(Files.size(image.blob())).isGreaterThan(3 * ErofsExtractor.COPY_SLICE);
        assertThat(largest.get()).as("what extracting holds in memory").isEqualTo(ErofsExtractor.COPY_SLICE);
    }

    @Test
    void anUnreadablePartLeavesNothing() throws Exception {
        ErofsImage image = build(tree());
        Path out = Files.createDirectory(dir.resolve("out"));

        try (FileImageParts files = FileImageParts.open(image)) {
            ImageParts failingBlob = new ImageParts() {
                @Override
                public long size(ImagePart part) {
                    return files.size(part);
                }

                @Override
                public int read(ImagePart part, long offset, ByteBuffer into) throws IOException {
                    if (part == ImagePart.BLOB && offset > 0) {
                        throw new IOException("chunk 00ff is corrupt");
                    }
                    return files.read(part, offset, into);
                }
            };
            assertThatThrownBy(() -> extractor.extract(failingBlob, out.resolve("tree")))
                    .isInstanceOf(ImageExtractException.PartUnreadable.class)
                    .hasMessageContaining("blob part cannot be read: chunk 00ff is corrupt");
        }

        assertEmpty(out);
    }

    @Test
    void aCorruptSuperblockFailsWithTheToolsWordsAndLeavesNothing() throws Exception {
        ErofsImage image = build(tree());
        byte[] metadata = Files.readAllBytes(image.metadata());
        // The EROFS superblock sits at byte 1024 and starts with its magic.
        metadata[1024] ^= (byte) 0xff;
        Files.write(image.metadata(), metadata);
        Path out = Files.createDirectory(dir.resolve("out"));

        try (FileImageParts parts = FileImageParts.open(image)) {
            assertThatThrownBy(() -> extractor.extract(parts, out.resolve("tree")))
                    .isInstanceOf(ImageExtractException.Failed.class)
                    .hasMessageContaining("exited with 1").hasMessageContaining("superblock");
        }

        assertEmpty(out);
    }

    @Test
    void aBlobShorterThanTheMetadataSaysFailsAndLeavesNothing() throws Exception {
        ErofsImage image = build(tree());
        try (FileChannel channel = FileChannel.open(image.blob(), StandardOpenOption.WRITE)) {
            channel.truncate(1_000_000);
        }
        Path out = Files.createDirectory(dir.resolve("out"));

        try (FileImageParts parts = FileImageParts.open(image)) {
            assertThatThrownBy(() -> extractor.extract(parts, out.resolve("tree")))
                    .isInstanceOf(ImageExtractException.Failed.class).hasMessageContaining("exited with 1");
        }

        assertEmpty(out);
    }

    @Test
    void anExistingTargetIsRefusedAndKept() throws Exception {
        ErofsImage image = build(tree());
        Path target = Files.createDirectory(dir.resolve("tree"));
        Files.writeString(target.resolve("mine"), "x");

        try (FileImageParts parts = FileImageParts.open(image)) {
            assertThatThrownBy(() -> extractor.extract(parts, target))
                    .isInstanceOf(ImageExtractException.Failed.class).hasMessageContaining("exists already");
        }

        assertThat(target.resolve("mine")).hasContent("x");
    }

    @Test
    void aMissingToolIsTyped() throws Exception {
        ErofsImage image = build(tree());
        ErofsExtractor missing = new ErofsExtractor("/nonexistent/fsck.erofs", Duration.ofSeconds(10));
        Path out = Files.createDirectory(dir.resolve("out"));

        try (FileImageParts parts = FileImageParts.open(image)) {
            assertThatThrownBy(() -> missing.extract(parts, out.resolve("tree")))
                    .isInstanceOf(ImageExtractException.ToolMissing.class).hasMessageContaining("erofs-utils");
        }

        assertEmpty(out);
    }

    private ErofsImage build(Path tree) throws ImageBuildException {
        return builder.build(tree, dir.resolve("image.meta"), dir.resolve("image.blob"));
    }

    /**
     * An executable bootstrap, a private file, a world-writable one, a restricted directory, 3 MB of random bytes,
     * symlinks (inside, up a level, to an absolute path that does not exist), an empty file and an empty directory.
     */
    private Path tree() throws IOException {
        Path root = Files.createDirectories(dir.resolve("source"));
        Path lib = Files.createDirectory(root.resolve("lib"));
        Files.writeString(root.resolve("bootstrap"), "#!/bin/sh\necho hello\n");
        Files.writeString(lib.resolve("private"), "secret\n");
        Files.writeString(root.resolve("shared"), "anyone\n");
        byte[] data = new byte[3_000_000];
        new Random(7).nextBytes(data);
        Files.write(lib.resolve("data.bin"), data);
        Files.createSymbolicLink(root.resolve("current"), Path.of("lib/data.bin"));
        Files.createSymbolicLink(lib.resolve("up"), Path.of("../bootstrap"));
        Files.createSymbolicLink(root.resolve("outside"), Path.of("/nonexistent/target"));
        Files.createFile(root.resolve("empty"));
        Files.createDirectory(root.resolve("nothing"));
        Files.setPosixFilePermissions(root.resolve("bootstrap"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(lib.resolve("private"), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(root.resolve("shared"), PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        return root;
    }

    private static String perms(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    private static void assertEmpty(Path dir) throws IOException {
        try (var listing = Files.list(dir)) {
            assertThat(listing).as("no tree, part or temporary left in " + dir).isEmpty();
        }
    }
}
