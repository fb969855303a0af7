package io.kindling.chunks.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.crypto.ChunkCorruptException;
import io.kindling.chunks.crypto.Digest256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDirectoryOriginTest {

    @TempDir
    Path dir;

    private LocalDirectoryOrigin origin;
    private final byte[] bytes = random(10_000, 1);
    private final Digest256 name = Digest256.of(bytes);

    @BeforeEach
    void open() throws Exception {
        origin = new LocalDirectoryOrigin(dir.resolve("origin"));
    }

    @Test
    void storesAndReturnsAChunkUnderItsName() throws Exception {
        assertThat(origin.exists(name)).isFalse();
        assertThat(origin.put(name, bytes)).isTrue();
        assertThat(origin.exists(name)).isTrue();
        assertThat(origin.get(name)).isEqualTo(bytes);
        String hex = name.hex();
        assertThat(dir.resolve("origin").resolve(hex.substring(0, 2)).resolve(hex)).hasBinaryContent(bytes);
    }

    @Test
    void storingAgainIsANoOp() throws Exception {
        origin.put(name, bytes);
        assertThat(origin.put(name, bytes.clone())).isFalse();
        assertThat(origin.get(name)).isEqualTo(bytes);
    }

    @Test
    void refusesBytesThatDoNotHashToTheName() {
        assertThatThrownBy(() -> origin.put(name, random(10, 2))).isInstanceOf(IllegalArgumentException.class);
        assertThat(origin.exists(name)).isFalse();
    }

    @Test
    void aMissingChunkIsTyped() {
        assertThatThrownBy(() -> origin.get(name))
                .isInstanceOf(ChunkMissingException.class).hasMessageContaining(name.hex());
    }

    @Test
    void aChunkWhoseBytesChangedIsCorrupt() throws Exception {
        origin.put(name, bytes);
        Path file = origin.pathOf(name);
        byte[] changed = bytes.clone();
        changed[5000] ^= 0x40;
        Files.write(file, changed);
        assertThatThrownBy(() -> origin.get(name))
                .isInstanceOf(ChunkCorruptException.class).hasMessageContaining(name.hex());
    }

    @Test
    void aChunkUnderAnotherNameIsCorrupt() throws Exception {
        byte[] other = random(100, 3);
        origin.put(Digest256.of(other), other);
        Files.createDirectories(origin.pathOf(name).getParent());
        Files.move(origin.pathOf(Digest256.of(other)), origin.pathOf(name));
        assertThatThrownBy(() -> origin.get(name)).isInstanceOf(ChunkCorruptException.class);
    }

    @Test
    void aWriteInterruptedByACrashIsInvisibleAndCleanedAtOpen() throws Exception {
        // What a crash between creating the temporary and renaming it leaves behind: half a chunk.
        Path shard = Files.createDirectories(origin.pathOf(name).getParent());
        Path partial = shard.resolve("." + name.hex() + ".12345" + LocalDirectoryOrigin.TEMP_SUFFIX);
        Files.write(partial, java.util.Arrays.copyOf(bytes, 100));

        assertThat(origin.exists(name)).isFalse();
        assertThatThrownBy(() -> origin.get(name)).isInstanceOf(ChunkMissingException.class);
        try (Stream<StoredObject> listed = origin.list()) {
            assertThat(listed).isEmpty();
        }

        LocalDirectoryOrigin reopened = new LocalDirectoryOrigin(dir.resolve("origin"));
        assertThat(partial).doesNotExist();
        assertThat(reopened.put(name, bytes)).isTrue(); // the retried write completes
        assertThat(reopened.get(name)).isEqualTo(bytes);
    }

    @Test
    void listsEveryStoredChunkWithItsSize() throws Exception {
        List<byte[]> chunks = List.of(random(10, 4), random(20, 5), random(30, 6));
        for (byte[] chunk : chunks) {
            origin.put(Digest256.of(chunk), chunk);
        }
        try (Stream<StoredObject> listed = origin.list()) {
            assertThat(listed.map(object -> object.name() + " " + object.size()))
                    .containsExactlyInAnyOrderElementsOf(chunks.stream()
                            .map(chunk -> Digest256.of(chunk) + " " + chunk.length).toList());
        }
    }

    @Test
    void deletesAChunk() throws Exception {
        origin.put(name, bytes);
        assertThat(origin.delete(name)).isTrue();
        assertThat(origin.exists(name)).isFalse();
        assertThat(origin.delete(name)).isFalse();
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }
}
