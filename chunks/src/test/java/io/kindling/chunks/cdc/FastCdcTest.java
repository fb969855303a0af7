package io.kindling.chunks.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FastCdcTest {

    private static final ChunkSizes SMALL = new ChunkSizes(2 * 1024, 8 * 1024, 64 * 1024);

    @TempDir
    Path dir;

    @Test
    void sameBytesGiveSameCutPoints() throws IOException {
        byte[] data = random(5 * 1024 * 1024, 1);
        assertThat(offsets(new FastCdc(), data)).isEqualTo(offsets(new FastCdc(), data)).hasSizeGreaterThan(3);
    }

    @Test
    void cutPointsArePinned() throws IOException {
        // Every stored chunk name depends on these: a change here would make new ingests share nothing
        // with what is already stored. Input: SHA-256 counter-mode bytes, independent of any JDK RNG.
        assertThat(offsets(new FastCdc(), counterBytes(4 * 1024 * 1024)))
                .containsExactly(0L, 601_000L, 1_138_426L, 1_686_377L, 2_547_634L, 3_512_501L, 4_082_809L);
    }

    @Test
    void chunksRespectTheBoundsAndTileTheInput() throws IOException {
        byte[] data = random(3 * 1024 * 1024 + 17, 2);
        List<Chunk> chunks = chunks(new FastCdc(SMALL), data);
        long expectedOffset = 0;
        for (int i = 0; i < chunks.size(); i++) {
            Chunk chunk = chunks.get(i);
            assertThat(chunk.offset()).isEqualTo(expectedOffset);
            assertThat(chunk.length()).isLessThanOrEqualTo(SMALL.max());
            if (i < chunks.size() - 1) {
                assertThat(chunk.length()).isGreaterThanOrEqualTo(SMALL.min());
            }
            expectedOffset += chunk.length();
        }
        assertThat(expectedOffset).isEqualTo(data.length);
    }

    @Test
    void uniformInputIsCutAtMax() throws IOException {
        // Zeros never satisfy a mask (the gear value of 0 is no multiple of 2^k), so only max cuts.
        List<Chunk> chunks = chunks(new FastCdc(SMALL), new byte[SMALL.max() * 3 + 5]);
        assertThat(chunks).extracting(Chunk::length).containsExactly(SMALL.max(), SMALL.max(), SMALL.max(), 5);
    }

    @Test
    void averageIsNearTheTargetOnRandomData() throws IOException {
        byte[] data = random(16 * 1024 * 1024, 3);
        List<Chunk> chunks = chunks(new FastCdc(SMALL), data);
        double average = (double) data.length / chunks.size();
        assertThat(average).isBetween(SMALL.avg() * 0.75, SMALL.avg() * 1.5);

        List<Chunk> defaults = chunks(new FastCdc(), data);
        double defaultAverage = (double) data.length / defaults.size();
        assertThat(defaultAverage).isBetween(ChunkSizes.DEFAULT.avg() * 0.6, ChunkSizes.DEFAULT.avg() * 1.6);
    }

    @Test
    void aSmallInsertionEarlyOnChangesOnlyTheChunksAroundIt() throws IOException {
        byte[] data = random(50 * 1024 * 1024, 4);
        int at = 1_000_000;
        byte[] inserted = "a few new bytes".getBytes();
        Set<String> before = new HashSet<>(digests(new FastCdc(), new ByteArrayInputStream(data)));
        List<String> after = digests(new FastCdc(), new SequenceInputStream(
                new ByteArrayInputStream(data, 0, at),
                new SequenceInputStream(new ByteArrayInputStream(inserted),
                        new ByteArrayInputStream(data, at, data.length - at))));
        long shared = after.stream().filter(before::contains).count();
        assertThat((double) shared / after.size()).isGreaterThan(0.95);
        assertThat(after.size() - shared).isBetween(1L, 3L);
    }

    @Test
    void emptyInputHasNoChunks() throws IOException {
        assertThat(chunks(new FastCdc(), new byte[0])).isEmpty();
    }

    @Test
    void inputShorterThanMinIsOneChunk() throws IOException {
        byte[] data = random(1000, 5);
        List<Chunk> chunks = chunks(new FastCdc(SMALL), data);
        assertThat(chunks).hasSize(1);
        assertThat(chunks.getFirst().bytes()).isEqualTo(data);
        assertThat(chunks.getFirst().offset()).isZero();
    }

    @Test
    void inputsOfExactlyMinAndMaxAreOneChunk() throws IOException {
        assertThat(chunks(new FastCdc(SMALL), random(SMALL.min(), 6))).hasSize(1);
        List<Chunk> atMax = chunks(new FastCdc(SMALL), new byte[SMALL.max()]);
        assertThat(atMax).extracting(Chunk::length).containsExactly(SMALL.max());
        List<Chunk> pastMax = chunks(new FastCdc(SMALL), new byte[SMALL.max() + 1]);
        assertThat(pastMax).extracting(Chunk::length).containsExactly(SMALL.max(), 1);
    }

    @Test
    void aFileChannelGivesTheSameChunksAsAStream() throws IOException {
        byte[] data = random(2 * 1024 * 1024, 7);
        Path file = Files.write(dir.resolve("data"), data);
        List<Long> fromChannel = new ArrayList<>();
        try (FileChannel channel = FileChannel.open(file)) {
            new FastCdc(SMALL).split(channel, chunk -> fromChannel.add(chunk.offset()));
        }
        assertThat(fromChannel).isEqualTo(offsets(new FastCdc(SMALL), data));
    }

    @Test
    void aStreamThatReturnsFewBytesPerReadGivesTheSameChunks() throws IOException {
        byte[] data = random(1024 * 1024, 8);
        InputStream trickle = new FilterInputStream(new ByteArrayInputStream(data)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 1000));
            }
        };
        List<Long> trickled = new ArrayList<>();
        new FastCdc(SMALL).split(trickle, chunk -> trickled.add(chunk.offset()));
        assertThat(trickled).isEqualTo(offsets(new FastCdc(SMALL), data));
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static byte[] counterBytes(int size) {
        byte[] data = new byte[size];
        MessageDigest sha = sha256();
        for (int i = 0; i * 32 < size; i++) {
            byte[] block = sha.digest(Integer.toString(i).getBytes());
            System.arraycopy(block, 0, data, i * 32, Math.min(32, size - i * 32));
        }
        return data;
    }

    private static List<Chunk> chunks(FastCdc cdc, byte[] data) throws IOException {
        List<Chunk> chunks = new ArrayList<>();
        cdc.split(new ByteArrayInputStream(data), chunks::add);
        return chunks;
    }

    private static List<Long> offsets(FastCdc cdc, byte[] data) throws IOException {
        return chunks(cdc, data).stream().map(Chunk::offset).toList();
    }

    private static List<String> digests(FastCdc cdc, InputStream in) throws IOException {
        List<String> digests = new ArrayList<>();
        MessageDigest sha = sha256();
        cdc.split(in, chunk -> digests.add(HexFormat.of().formatHex(sha.digest(chunk.bytes()))));
        return digests;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
