package io.kindling.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kindling.chunks.FileTrees;
import io.kindling.chunks.manifest.StoredChunk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's fallback without sandboxes around it: with image mounts turned off, {@link CodeImages} materializes each
 * stored image from its chunks alone (the package's tree is deleted before), once, and removes it after the grace.
 */
class MaterializedCodeImagesTest {
    private static final String SHA = HexFormat.of().formatHex(new byte[32]).replace('0', 'a');
    /** Long enough that no tree goes while a test looks at it. */
    private static final Duration LONG_GRACE = Duration.ofMinutes(5);
    private static final CodeImages.UnpackedCode NEVER_UNPACKED = sha -> {
        throw new AssertionError("the unpacked package was asked for " + sha);
    };

    @TempDir
    Path dir;
    private Path data;
    private Path materialized;
    private CodeImageStore store;
    private CodeImages images;

    @BeforeEach
    void storeAnImageAndForgetItsTree() throws Exception {
        data = Files.createDirectories(dir.resolve("data"));
        materialized = data.resolve("chunks/materialized");
        store = CodeImageStore.open(data, ChunkStoreConfig.defaults());
        Path tree = tree();
        store.store(SHA, tree);
        // Only the chunk store is left to make the tree from.
        FileTrees.deleteRecursively(tree);
    }

    @AfterEach
    void close() {
        if (images != null) {
            images.close();
        }
    }

    private CodeImages start() throws IOException {
        return start(LONG_GRACE);
    }

    private CodeImages start(Duration grace) throws IOException {
        images = CodeImages.start(data.resolve("mounts"), materialized, store,
                ChunkStoreConfig.defaults().withUnmountGrace(grace).withMountImages(false));
        return images;
    }

    @Test
    void theTreeIsMaterializedFromChunksWithModesSymlinksAndEmptyFiles() throws Exception {
        Path root = start().codeDir(SHA, NEVER_UNPACKED);

        assertThat(root).isEqualTo(materialized.resolve(SHA));
        assertThat(perms(root)).isEqualTo("rwxr-xr-x");
        assertThat(perms(root.resolve("bootstrap"))).isEqualTo("rwxr-xr-x");
        assertThat(root.resolve("bootstrap")).hasContent("#!/bin/sh\necho hi");
        assertThat(perms(root.resolve("lib/private"))).isEqualTo("rw-------");
        assertThat(Files.mismatch(root.resolve("lib/data.bin"), dir.resolve("data.bin"))).isEqualTo(-1);
        assertThat(Files.readSymbolicLink(root.resolve("current"))).isEqualTo(Path.of("lib/data.bin"));
        assertThat(Files.isRegularFile(root.resolve("empty"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.size(root.resolve("empty"))).isZero();
        assertThat(Files.isDirectory(root.resolve("nothing"))).isTrue();
        assertThat(listing(materialized)).as("no temporary left").containsExactly(SHA);
    }

    @Test
    void concurrentFirstCallsWaitForOneMaterialization() throws Exception {
        CodeImages images = start();
        List<Future<Object>> trees = new ArrayList<>();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 8; i++) {
                trees.add(callers.submit(() -> {
                    Path root = images.codeDir(SHA, NEVER_UNPACKED);
                    // The directory each caller got, as opposed to its name: one materialization, one inode.
                    return Files.readAttributes(root.resolve("lib/data.bin"), BasicFileAttributes.class).fileKey();
                }));
            }
        }
        Object first = trees.getFirst().get();
        for (Future<Object> tree : trees) {
            assertThat(tree.get()).isEqualTo(first);
        }
        assertThat(Files.readAttributes(materialized.resolve(SHA).resolve("lib/data.bin"), BasicFileAttributes.class)
                .fileKey()).isEqualTo(first);
        assertThat(listing(materialized)).containsExactly(SHA);
    }

    @Test
    void aCorruptChunkFailsCleanlyAndTheNextCallTriesAgain() throws Exception {
        Path chunk = chunkFile(storedChunks("blob").getLast());
        byte[] original = Files.readAllBytes(chunk);
        byte[] damaged = original.clone();
        damaged[damaged.length / 2] ^= 0x40;
        Files.write(chunk, damaged);
        CodeImages images = start();

        assertThatThrownBy(() -> images.codeDir(SHA, NEVER_UNPACKED))
                .isInstanceOf(CodeImages.CodeUnavailable.class)
                .hasMessage("the code image " + SHA + " could not be materialized: a chunk of it is missing or corrupt"
                        + " (the server log has the details)");
        assertThat(listing(materialized)).as("no partial tree, no temporary").isEmpty();

        // Failures are not remembered: once the chunk is whole again, so is the tree.
        Files.write(chunk, original);
        assertThat(images.codeDir(SHA, NEVER_UNPACKED).resolve("bootstrap")).hasContent("#!/bin/sh\necho hi");
    }

    @Test
    void aMissingMetadataChunkFailsCleanly() throws Exception {
        Files.delete(chunkFile(storedChunks("meta").getFirst()));
        CodeImages images = start();

        assertThatThrownBy(() -> images.codeDir(SHA, NEVER_UNPACKED))
                .isInstanceOf(CodeImages.CodeUnavailable.class).hasMessageContaining("could not be materialized");
        assertThat(listing(materialized)).isEmpty();
    }

    @Test
    void theTreeIsRemovedAGraceAfterItsLastUseAndMadeAgainWhenNeeded() throws Exception {
        CodeImages images = start(Duration.ofMillis(300));
        Path root = images.codeDir(SHA, NEVER_UNPACKED);

        // No pool opened for it: it goes one grace period after this use.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> !Files.exists(root));
        assertThat(listing(materialized)).as("removed whole").isEmpty();

        assertThat(images.codeDir(SHA, NEVER_UNPACKED)).isEqualTo(root);
        assertThat(root).as("made again (it may go again 300 ms later)").exists();
    }

    @Test
    void startRemovesLeftoversAndCloseRemovesEveryTree() throws Exception {
        Files.createDirectories(materialized.resolve("." + SHA + ".1234.extracting/tree"));
        Files.createDirectories(materialized.resolve(SHA.replace('a', 'b')).resolve("half"));

        CodeImages images = start();
        assertThat(listing(materialized)).as("a crashed run's tree and temporary").isEmpty();
        images.codeDir(SHA, NEVER_UNPACKED);
        images.close();
        this.images = null;

        assertThat(listing(materialized)).isEmpty();
    }

    @Test
    void whereImagesCannotBeMountedTheyAreMaterializedInstead() throws Exception {
        // A mounts directory that cannot be created fails the FUSE start, as a host without /dev/fuse does earlier.
        Path notADirectory = Files.writeString(dir.resolve("mounts"), "");
        images = CodeImages.start(notADirectory, materialized, store, ChunkStoreConfig.defaults());

        assertThat(images.codeDir(SHA, NEVER_UNPACKED)).isEqualTo(materialized.resolve(SHA));
        assertThat(materialized.resolve(SHA).resolve("bootstrap")).hasContent("#!/bin/sh\necho hi");
    }

    @Test
    void codeWithoutAStoredImageIsTheUnpackedPackage() throws Exception {
        Path unpacked = Files.createDirectories(dir.resolve("unpacked"));
        String other = SHA.replace('a', 'c');

        assertThat(start().codeDir(other, sha -> unpacked)).isEqualTo(unpacked);
        assertThat(listing(materialized)).isEmpty();
    }

    private List<StoredChunk> storedChunks(String part) throws Exception {
        return store.manifest(SHA).orElseThrow().part(part).orElseThrow().chunks().stream()
                .filter(StoredChunk.class::isInstance).map(StoredChunk.class::cast).toList();
    }

    private Path chunkFile(StoredChunk chunk) {
        String hex = chunk.ref().name().hex();
        return data.resolve("chunks/origin").resolve(hex.substring(0, 2)).resolve(hex);
    }

    /** A package's tree: an executable bootstrap, a private file, 3 MB of random bytes, a symlink, empty entries. */
    private Path tree() throws IOException {
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Path lib = Files.createDirectory(tree.resolve("lib"));
        Files.writeString(tree.resolve("bootstrap"), "#!/bin/sh\necho hi");
        Files.setPosixFilePermissions(tree.resolve("bootstrap"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(lib.resolve("private"), "secret");
        Files.setPosixFilePermissions(lib.resolve("private"), PosixFilePermissions.fromString("rw-------"));
        byte[] data = new byte[3_000_000];
        new Random(5).nextBytes(data);
        Files.write(lib.resolve("data.bin"), data);
        Files.write(dir.resolve("data.bin"), data);
        Files.createSymbolicLink(tree.resolve("current"), Path.of("lib/data.bin"));
        Files.createFile(tree.resolve("empty"));
        Files.createDirectory(tree.resolve("nothing"));
        Files.setPosixFilePermissions(tree, PosixFilePermissions.fromString("rwxr-xr-x"));
        return tree;
    }

    private static String perms(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    private static List<String> listing(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).toList();
        }
    }
}
