package io.kindling.chunks.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.kindling.chunks.cdc.ChunkSizes;
import io.kindling.chunks.cdc.FastCdc;
import io.kindling.chunks.crypto.ConvergentEncryption;
import io.kindling.chunks.crypto.MasterKey;
import io.kindling.chunks.crypto.Salt;
import io.kindling.chunks.crypto.SaltSchedule;
import io.kindling.chunks.gc.ChunkPins;
import io.kindling.chunks.manifest.ChunkEntry;
import io.kindling.chunks.manifest.Manifest;
import io.kindling.chunks.manifest.ManifestCodec;
import io.kindling.chunks.manifest.ManifestPart;
import io.kindling.chunks.manifest.StoredChunk;
import io.kindling.chunks.manifest.ZeroChunk;
import io.kindling.chunks.origin.LocalDirectoryOrigin;
import io.kindling.chunks.origin.StoredObject;
import io.kindling.chunks.read.ChunkCache;
import io.kindling.chunks.read.ImageReader;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChunkIngestTest {

    /** Small chunks, so a few MB of test data make hundreds of them. */
    static final ChunkSizes SIZES = new ChunkSizes(2 * 1024, 8 * 1024, 64 * 1024);

    @TempDir
    Path dir;

    private final MasterKey masterKey = MasterKey.generate();
    private final SaltSchedule salts = new SaltSchedule(masterKey, Duration.ofDays(7), Clock.systemUTC());
    private final Salt salt = salts.forEpoch(100);
    private LocalDirectoryOrigin origin;
    private ChunkIngest ingest;

    @BeforeEach
    void open() throws Exception {
        origin = new LocalDirectoryOrigin(dir.resolve("origin"));
        ingest = new ChunkIngest(new FastCdc(SIZES), new ConvergentEncryption(), origin);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2047, 2048, 2049, 8192, 65535, 65536, 65537, 3 * 65536 + 7, 5_000_000})
    void whatGoesInComesOutThroughASealedManifest(int size) throws Exception {
        byte[] data = random(size, size);
        Path file = Files.write(dir.resolve("part"), data);
        IngestedPart ingested = ingest.ingest("blob", file, salt);

        ManifestCodec codec = new ManifestCodec(masterKey);
        Manifest manifest = codec.open(codec.seal(new Manifest(java.util.List.of(ingested.part())), "image"), "image");
        ImageReader reader = new ImageReader(manifest, new ChunkCache(origin, new ConvergentEncryption(), 1 << 20));

        assertThat(reader.size("blob")).isEqualTo(size);
        assertThat(reader.read("blob", 0, size)).isEqualTo(data);
        Random random = new Random(size);
        for (int i = 0; i < 50 && size > 0; i++) {
            int offset = random.nextInt(size);
            int length = random.nextInt(Math.min(size - offset, 200_000) + 1);
            assertThat(reader.read("blob", offset, length))
                    .isEqualTo(java.util.Arrays.copyOfRange(data, offset, offset + length));
        }
        assertThat(ingested.report().total()).isEqualTo(new Tally(ingested.part().chunks().size(), size));
    }

    @Test
    void readsAcrossEveryChunkBoundary() throws Exception {
        byte[] data = random(1_000_000, 9);
        ManifestPart part = ingest.ingest("blob", new ByteArrayInputStream(data), salt).part();
        ImageReader reader = reader(new Manifest(java.util.List.of(part)));
        for (ChunkEntry chunk : part.chunks()) {
            long from = Math.max(0, chunk.offset() - 3);
            int length = (int) Math.min(6, data.length - from);
            assertThat(reader.read("blob", from, length))
                    .isEqualTo(java.util.Arrays.copyOfRange(data, (int) from, (int) from + length));
        }
    }

    @Test
    void theFirstIngestStoresEverythingAndTheSameBytesAgainStoreNothing() throws Exception {
        byte[] data = random(2_000_000, 1);
        IngestedPart first = ingest.ingest("blob", new ByteArrayInputStream(data), salt);
        assertThat(first.report().unique()).isEqualTo(first.report().total());
        assertThat(first.report().reused()).isEqualTo(Tally.NONE);
        assertThat(storedChunks()).isEqualTo(first.report().unique().chunks());

        IngestedPart second = ingest.ingest("blob", new ByteArrayInputStream(data), salt);
        assertThat(second.part()).isEqualTo(first.part()); // deterministic: same chunks, names and keys
        assertThat(second.report().unique()).isEqualTo(Tally.NONE);
        assertThat(second.report().reused()).isEqualTo(first.report().total());
        assertThat(second.report().dedupeRatio()).isEqualTo(1.0);
    }

    @Test
    void mostlySharedDataIsMostlyReused() throws Exception {
        byte[] library = random(4_000_000, 2);
        byte[] changed = insert(library, 1_000_000, "a small change".getBytes());
        IngestReport first = ingest.ingest("blob", new ByteArrayInputStream(library), salt).report();
        IngestReport second = ingest.ingest("blob", new ByteArrayInputStream(changed), salt).report();

        assertThat(second.total().bytes()).isEqualTo(changed.length);
        assertThat(second.reused().bytes()).isGreaterThan((long) (changed.length * 0.95));
        assertThat(second.unique().chunks()).isBetween(1L, 3L);
        assertThat(storedChunks()).isEqualTo(first.unique().chunks() + second.unique().chunks());
    }

    @Test
    void aChunkRepeatedWithinOnePartIsStoredOnce() throws Exception {
        // Uniform bytes cut only at max: 5 identical non-zero chunks and a short tail.
        byte[] data = new byte[SIZES.max() * 5 + 100];
        java.util.Arrays.fill(data, (byte) 7);
        IngestReport report = ingest.ingest("blob", new ByteArrayInputStream(data), salt).report();
        assertThat(report.unique()).isEqualTo(new Tally(2, SIZES.max() + 100));
        assertThat(report.reused()).isEqualTo(new Tally(4, 4L * SIZES.max()));
        assertThat(storedChunks()).isEqualTo(2);
    }

    @Test
    void anIngestPinsEveryChunkItStoresOrReusesUntilItsHolderCloses() throws Exception {
        byte[] data = random(1_000_000, 10);
        ingest.ingest("blob", new ByteArrayInputStream(data), salt); // stored before: the next ingest reuses it all
        ChunkPins pins = new ChunkPins();
        Instant everythingPastTheGrace = Instant.now().plusSeconds(3600);

        try (ChunkPins.Holder holder = pins.holder()) {
            IngestedPart again = ingest.ingest("blob", new ByteArrayInputStream(data), salt, holder);
            assertThat(again.report().unique()).isEqualTo(Tally.NONE);
            try (ChunkPins.Pass pass = pins.beginPass()) {
                assertThat(pass.sweep(origin, java.util.Set.of(), everythingPastTheGrace).chunksDeleted()).isZero();
            }
        }
        try (ChunkPins.Pass pass = pins.beginPass()) {
            assertThat(pass.sweep(origin, java.util.Set.of(), everythingPastTheGrace).chunksDeleted()).isPositive();
        }
        assertThat(storedChunks()).isZero();
    }

    @Test
    void anOriginThatFailsFailsTheIngest() throws Exception {
        ChunkIngest failing = new ChunkIngest(new FastCdc(SIZES), new ConvergentEncryption(),
                new io.kindling.chunks.origin.OriginStore() {
                    @Override
                    public boolean put(io.kindling.chunks.crypto.Digest256 name, byte[] ciphertext)
                            throws java.io.IOException {
                        throw new java.io.IOException("disk full");
                    }

                    @Override
                    public byte[] get(io.kindling.chunks.crypto.Digest256 name) {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public boolean exists(io.kindling.chunks.crypto.Digest256 name) {
                        return false;
                    }

                    @Override
                    public boolean delete(io.kindling.chunks.crypto.Digest256 name) {
                        return false;
                    }

                    @Override
                    public Stream<StoredObject> list() {
                        return Stream.empty();
                    }
                });
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> failing.ingest("blob", new ByteArrayInputStream(random(300_000, 8)), salt))
                .isInstanceOf(java.io.IOException.class)
                .hasRootCauseMessage("disk full");
    }

    @Test
    void anotherSaltEpochSharesNothing() throws Exception {
        byte[] data = random(500_000, 3);
        IngestReport first = ingest.ingest("blob", new ByteArrayInputStream(data), salts.forEpoch(1)).report();
        IngestReport second = ingest.ingest("blob", new ByteArrayInputStream(data), salts.forEpoch(2)).report();
        assertThat(second.reused()).isEqualTo(Tally.NONE);
        assertThat(storedChunks()).isEqualTo(first.unique().chunks() + second.unique().chunks());
    }

    @Test
    void zeroChunksAreCountedNotStoredAndReadAsZeros() throws Exception {
        byte[] data = new byte[1_000_000];
        new Random(4).nextBytes(data);
        java.util.Arrays.fill(data, 200_000, 800_000, (byte) 0);
        IngestedPart ingested = ingest.ingest("blob", new ByteArrayInputStream(data), salt);

        IngestReport report = ingested.report();
        assertThat(report.zero().bytes()).isGreaterThan(500_000);
        assertThat(report.zero().chunks())
                .isEqualTo(ingested.part().chunks().stream().filter(ZeroChunk.class::isInstance).count());
        assertThat(storedChunks()).isEqualTo(report.unique().chunks());
        assertThat(report.unique().plus(report.zero())).isEqualTo(report.total());
        assertThat(reader(new Manifest(java.util.List.of(ingested.part()))).read("blob", 0, data.length))
                .isEqualTo(data);
    }

    @Test
    void anImageIsItsPartsUnderOneSalt() throws Exception {
        Map<String, Path> parts = new LinkedHashMap<>();
        parts.put("meta", Files.write(dir.resolve("meta"), random(10_000, 5)));
        parts.put("blob", Files.write(dir.resolve("blob"), random(300_000, 6)));
        IngestedImage image = ingest.ingestImage(parts, salt);

        assertThat(image.manifest().parts()).extracting(ManifestPart::name).containsExactly("meta", "blob");
        assertThat(image.report().total().bytes()).isEqualTo(310_000);
        ImageReader reader = reader(image.manifest());
        assertThat(reader.read("meta", 0, 10_000)).isEqualTo(random(10_000, 5));
        assertThat(reader.read("blob", 0, 300_000)).isEqualTo(random(300_000, 6));
        assertThat(image.manifest().chunkNames()).hasSize((int) image.report().unique().chunks());
    }

    @Test
    void aRetriedIngestAfterACrashCompletes() throws Exception {
        byte[] data = random(600_000, 7);
        IngestedPart complete = ingest.ingest("blob", new ByteArrayInputStream(data), salt);
        // A crash part-way left some chunks and no manifest: delete the rest, then retry.
        StoredChunk lost = (StoredChunk) complete.part().chunks().get(3);
        origin.delete(lost.ref().name());
        IngestedPart retried = ingest.ingest("blob", new ByteArrayInputStream(data), salt);
        assertThat(retried.report().unique()).isEqualTo(new Tally(1, lost.length()));
        assertThat(reader(new Manifest(java.util.List.of(retried.part()))).read("blob", 0, data.length))
                .isEqualTo(data);
    }

    private ImageReader reader(Manifest manifest) {
        return new ImageReader(manifest, new ChunkCache(origin, new ConvergentEncryption(), 1 << 20));
    }

    private long storedChunks() throws Exception {
        try (Stream<StoredObject> listed = origin.list()) {
            return listed.count();
        }
    }

    static byte[] insert(byte[] data, int at, byte[] inserted) {
        byte[] result = new byte[data.length + inserted.length];
        System.arraycopy(data, 0, result, 0, at);
        System.arraycopy(inserted, 0, result, at, inserted.length);
        System.arraycopy(data, at, result, at + inserted.length, data.length - at);
        return result;
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }
}
