package io.kindling.chunks.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.kindling.chunks.cdc.ChunkSizes;
import io.kindling.chunks.cdc.FastCdc;
import io.kindling.chunks.crypto.ChunkCorruptException;
import io.kindling.chunks.crypto.ConvergentEncryption;
import io.kindling.chunks.crypto.Digest256;
import io.kindling.chunks.crypto.EncryptedChunk;
import io.kindling.chunks.crypto.MasterKey;
import io.kindling.chunks.crypto.Salt;
import io.kindling.chunks.crypto.SaltSchedule;
import io.kindling.chunks.ingest.ChunkIngest;
import io.kindling.chunks.manifest.Manifest;
import io.kindling.chunks.manifest.ManifestPart;
import io.kindling.chunks.manifest.StoredChunk;
import io.kindling.chunks.origin.ChunkMissingException;
import io.kindling.chunks.origin.LocalDirectoryOrigin;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class ChunkCacheTest {

    @TempDir
    Path dir;

    private final ConvergentEncryption encryption = new ConvergentEncryption();
    private final Salt salt = new SaltSchedule(MasterKey.generate(), Duration.ofDays(1), Clock.systemUTC()).forEpoch(0);
    private LocalDirectoryOrigin origin;

    @BeforeEach
    void open() throws Exception {
        origin = new LocalDirectoryOrigin(dir.resolve("origin"));
    }

    @Test
    void concurrentReadersOfOneMissingChunkCauseOneFetch() throws Exception {
        EncryptedChunk chunk = store(random(100_000, 1));
        CountDownLatch release = new CountDownLatch(1);
        CountingOrigin counting = new CountingOrigin(origin, release);
        ChunkCache cache = new ChunkCache(counting, encryption, 1 << 20);
        int readers = 8;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<ByteBuffer>> reads = new ArrayList<>();
            reads.add(threads.submit(() -> cache.plaintext(chunk.ref())));
            counting.fetchStarted.await();
            for (int i = 1; i < readers; i++) {
                reads.add(threads.submit(() -> cache.plaintext(chunk.ref())));
            }
            // Every other reader has found the fetch in flight (a hit) before it is allowed to finish.
            await().atMost(Duration.ofSeconds(30)).until(() -> cache.stats().memory().hits() == readers - 1);
            release.countDown();
            for (Future<ByteBuffer> read : reads) {
                assertThat(bytes(read.get())).isEqualTo(encryption.decrypt(chunk.ref(), chunk.ciphertext()));
            }
        }
        assertThat(counting.gets).hasValue(1);
        assertThat(cache.stats().origin()).isEqualTo(new ChunkCacheStats.Origin(1, 100_000));
        assertThat(cache.stats().reads()).isEqualTo(readers);
    }

    @Test
    void aCorruptChunkIsAnErrorNeverBytes() throws Exception {
        EncryptedChunk chunk = store(random(50_000, 2));
        Path file = chunkFile(chunk.ref().name());
        byte[] bytes = Files.readAllBytes(file);
        bytes[10] ^= 1;
        Files.write(file, bytes);
        ChunkCache cache = new ChunkCache(origin, encryption, 1 << 20);
        assertThatThrownBy(() -> cache.plaintext(chunk.ref())).isInstanceOf(ChunkCorruptException.class);
        assertThat(cache.stats().memory().bytesHeld()).isZero();
        assertThat(cache.stats().reads()).isZero();
    }

    @Test
    void aChunkThatKeepsFailingIsLoggedOnceNotOnEveryRead() throws Exception {
        EncryptedChunk broken = store(random(40_000, 9));
        EncryptedChunk alsoBroken = store(random(40_000, 10));
        origin.delete(broken.ref().name());
        origin.delete(alsoBroken.ref().name());
        ChunkCache cache = new ChunkCache(origin, encryption, 1 << 20);
        Logger logger = (Logger) LoggerFactory.getLogger(ChunkCache.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            // The kernel retries a failed page read, and a function may loop over a broken file.
            for (int i = 0; i < 20; i++) {
                assertThatThrownBy(() -> cache.plaintext(broken.ref())).isInstanceOf(ChunkMissingException.class);
            }
            assertThatThrownBy(() -> cache.plaintext(alsoBroken.ref())).isInstanceOf(ChunkMissingException.class);
        } finally {
            logger.detachAppender(logged);
        }
        assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.ERROR)
                .extracting(ILoggingEvent::getFormattedMessage)
                .satisfiesExactly(first -> assertThat(first).contains(broken.ref().name().hex()),
                        second -> assertThat(second).contains(alsoBroken.ref().name().hex()));
    }

    @Test
    void aMissingChunkIsAnErrorAndIsFetchedAgainOnceItIsBack() throws Exception {
        EncryptedChunk chunk = store(random(50_000, 3));
        origin.delete(chunk.ref().name());
        ChunkCache cache = new ChunkCache(origin, encryption, 1 << 20);
        assertThatThrownBy(() -> cache.plaintext(chunk.ref()))
                .isInstanceOf(ChunkMissingException.class).hasMessageContaining(chunk.ref().name().hex());

        origin.put(chunk.ref().name(), chunk.ciphertext());
        assertThat(bytes(cache.plaintext(chunk.ref()))).isEqualTo(random(50_000, 3));
        assertThat(cache.stats().origin()).isEqualTo(new ChunkCacheStats.Origin(1, 50_000));
    }

    @Test
    void aCachedChunkIsNotFetchedAgain() throws Exception {
        EncryptedChunk chunk = store(random(50_000, 4));
        ChunkCache cache = new ChunkCache(origin, encryption, 1 << 20);
        cache.plaintext(chunk.ref());
        origin.delete(chunk.ref().name());
        assertThat(bytes(cache.plaintext(chunk.ref()))).isEqualTo(random(50_000, 4));
        ChunkCacheStats stats = cache.stats();
        assertThat(stats.origin()).isEqualTo(new ChunkCacheStats.Origin(1, 50_000));
        assertThat(stats.memory()).isEqualTo(new ChunkCacheStats.Tier(1, 50_000, 50_000, 1 << 20));
        assertThat(stats.disk()).isEqualTo(new ChunkCacheStats.Tier(0, 0, 0, 0));
    }

    @Test
    void staysWithinItsByteBound() throws Exception {
        long bound = 300_000;
        ChunkCache cache = new ChunkCache(origin, encryption, bound);
        for (int i = 0; i < 30; i++) {
            cache.plaintext(store(random(50_000, 100 + i)).ref());
            assertThat(cache.stats().memory().bytesHeld()).isLessThanOrEqualTo(bound);
        }
        assertThat(cache.stats().memory().bytesHeld()).isPositive();
    }

    @Test
    void theReaderFailsOnATamperedChunkInsteadOfReturningBytes() throws Exception {
        byte[] data = random(400_000, 5);
        ChunkIngest ingest = new ChunkIngest(new FastCdc(new ChunkSizes(2048, 8192, 65536)), encryption, origin);
        ManifestPart part = ingest.ingest("blob", new ByteArrayInputStream(data), salt).part();
        StoredChunk victim = (StoredChunk) part.chunks().get(5);
        Path file = chunkFile(victim.ref().name());
        byte[] bytes = Files.readAllBytes(file);
        bytes[0] ^= (byte) 0x80;
        Files.write(file, bytes);

        ImageReader reader = new ImageReader(new Manifest(List.of(part)), new ChunkCache(origin, encryption, 1 << 20));
        assertThat(reader.read("blob", 0, (int) victim.offset())).isEqualTo(java.util.Arrays.copyOf(data, (int) victim.offset()));
        byte[] destination = new byte[data.length];
        assertThatThrownBy(() -> reader.read("blob", 0, destination, 0, data.length))
                .isInstanceOf(ChunkCorruptException.class).hasMessageContaining(victim.ref().name().hex());
        assertThatThrownBy(() -> reader.read("blob", victim.offset(), 1)).isInstanceOf(ChunkCorruptException.class);
    }

    private EncryptedChunk store(byte[] plaintext) throws Exception {
        EncryptedChunk chunk = encryption.encrypt(plaintext, salt);
        origin.put(chunk.ref().name(), chunk.ciphertext());
        return chunk;
    }

    private Path chunkFile(Digest256 name) {
        return dir.resolve("origin").resolve(name.hex().substring(0, 2)).resolve(name.hex());
    }

    static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }
}
