package io.kindling.chunks.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ManifestPartTest {

    private final ManifestPart part = ManifestTestData.part("blob", new Random(1), 100, 200, -300, 400);

    @Test
    void findsTheChunksCoveringARange() {
        List<ChunkEntry> chunks = part.chunks();
        assertThat(part.covering(0, 1)).containsExactly(chunks.get(0));
        assertThat(part.covering(99, 2)).containsExactly(chunks.get(0), chunks.get(1));
        assertThat(part.covering(100, 200)).containsExactly(chunks.get(1));
        assertThat(part.covering(150, 500)).containsExactly(chunks.get(1), chunks.get(2), chunks.get(3));
        assertThat(part.covering(999, 1)).containsExactly(chunks.get(3));
        assertThat(part.covering(0, 1000)).isEqualTo(chunks);
        assertThat(part.covering(500, 0)).isEmpty();
    }

    @Test
    void findsEveryByteInItsChunkInAManyChunkPart() {
        int[] lengths = new int[1000];
        java.util.Arrays.fill(lengths, 7);
        ManifestPart many = ManifestTestData.part("many", new Random(2), lengths);
        for (long position = 0; position < many.size(); position += 3) {
            ChunkEntry chunk = many.covering(position, 1).getFirst();
            assertThat(position).isBetween(chunk.offset(), chunk.end() - 1);
        }
    }

    @Test
    void refusesRangesOutsideThePart() {
        assertThatThrownBy(() -> part.covering(999, 2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> part.covering(-1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> part.covering(1, Long.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void chunksMustTileThePart() {
        assertThatThrownBy(() -> new ManifestPart("gap", 20, List.of(new ZeroChunk(0, 10), new ZeroChunk(11, 9))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("starts at 11");
        assertThatThrownBy(() -> new ManifestPart("short", 20, List.of(new ZeroChunk(0, 10))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cover 10 bytes of 20");
    }

    @Test
    void anEmptyPartHasNoChunks() {
        ManifestPart empty = new ManifestPart("empty", 0, List.of());
        assertThat(empty.covering(0, 0)).isEmpty();
    }
}
