package io.kindling.chunks.read;

import static io.kindling.chunks.read.ChunkCacheTest.bytes;
import static io.kindling.chunks.read.ChunkCacheTest.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kindling.chunks.crypto.ConvergentEncryption;
import io.kindling.chunks.crypto.Digest256;
import io.kindling.chunks.crypto.EncryptedChunk;
import io.kindling.chunks.crypto.MasterKey;
import io.kindling.chunks.crypto.Salt;
import io.kindling.chunks.crypto.SaltSchedule;
import io.kindling.chunks.origin.LocalDirectoryOrigin;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk tier under a {@link ChunkCache}: real files in a temporary directory, a real origin beside it. */
class DiskChunkTierTest {

    @TempDir
    Path dir;

    private final ConvergentEncryption encryption = new ConvergentEncryption();
    private final Salt salt = new SaltSchedule(MasterKey.generate(), Duration.ofDays(1), Clock.systemUTC()).forEpoch(0);
    private LocalDirectoryOrigin origin;
    private Path cacheDir;

    @BeforeEach
    void open() throws Exception {
        origin = new LocalDirectoryOrigin(dir.resolve("origin"));
        cacheDir = dir.resolve("cache");
    }

    @Test
    void aChunkReadOnceIsServedFromDiskAfterARestartWithoutTouchingTheOrigin() throws Exception {
        EncryptedChunk chunk = store(random(100_000, 1));
        new ChunkCache(origin, encryption, 1 << 20, DiskChunkTier.open(cacheDir, 1 << 20)).plaintext(chunk.ref());

        // On disk: the ciphertext exactly as the origin has it (no plaintext), private to the server's user.
        Path file = diskFile(chunk.ref().name());
        assertThat(Files.readAllBytes(file)).isEqualTo(chunk.ciphertext());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cacheDir))).isEqualTo("rwx------");

        CountingOrigin counting = new CountingOrigin(origin, new CountDownLatch(0));
        ChunkCache restarted = new ChunkCache(counting, encryption, 1 << 20, DiskChunkTier.open(cacheDir, 1 << 20));
        assertThat(restarted.stats().disk()).isEqualTo(new ChunkCacheStats.Tier(0, 0, 100_000, 1 << 20));
        assertThat(bytes(restarted.plaintext(chunk.ref()))).isEqualTo(random(100_000, 1));
        assertThat(bytes(restarted.plaintext(chunk.ref()))).isEqualTo(random(100_000, 1));

        assertThat(counting.gets).hasValue(0);
        ChunkCacheStats stats = restarted.stats();
        assertThat(stats.disk()).isEqualTo(new ChunkCacheStats.Tier(1, 100_000, 100_000, 1 << 20));
        assertThat(stats.memory().hits()).isEqualTo(1);
        assertThat(stats.origin()).isEqualTo(new ChunkCacheStats.Origin(0, 0));
    }

    @Test
    void bothTiersStayWithinTheirByteBoundsAndARestartKeepsOnlyWhatFitsTheNewBound() throws Exception {
        long memoryBound = 300_000;
        long diskBound = 1_000_000;
        DiskChunkTier disk = DiskChunkTier.open(cacheDir, diskBound);
        ChunkCache cache = new ChunkCache(origin, encryption, memoryBound, disk);
        List<EncryptedChunk> chunks = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            EncryptedChunk chunk = store(random(50_000, 100 + i));
            chunks.add(chunk);
            cache.plaintext(chunk.ref());
            ChunkCacheStats stats = cache.stats();
            assertThat(stats.memory().bytesHeld()).isLessThanOrEqualTo(memoryBound);
            assertThat(bytesOnDisk()).isLessThanOrEqualTo(diskBound).isEqualTo(stats.disk().bytesHeld());
        }
        assertThat(bytesOnDisk()).isGreaterThan(diskBound / 2);
        assertThat(cache.stats().origin().hits()).isEqualTo(60);
        // Whatever the tiers still hold, every chunk reads back right.
        for (int i = 0; i < chunks.size(); i++) {
            assertThat(bytes(cache.plaintext(chunks.get(i).ref()))).isEqualTo(random(50_000, 100 + i));
        }
        assertThat(cache.stats().reads()).isEqualTo(120);
        assertThat(bytesOnDisk()).isLessThanOrEqualTo(diskBound);

        DiskChunkTier smaller = DiskChunkTier.open(cacheDir, 200_000);
        assertThat(bytesOnDisk()).isEqualTo(smaller.bytesHeld()).isEqualTo(200_000);

        DiskChunkTier off = DiskChunkTier.open(cacheDir, 0);
        assertThat(bytesOnDisk()).isZero();
        ChunkCache withoutDisk = new ChunkCache(origin, encryption, memoryBound, off);
        assertThat(bytes(withoutDisk.plaintext(chunks.get(0).ref()))).isEqualTo(random(50_000, 100));
        assertThat(bytesOnDisk()).isZero();
        assertThat(withoutDisk.stats().disk()).isEqualTo(new ChunkCacheStats.Tier(0, 0, 0, 0));
    }

    @Test
    void aCorruptDiskCopyIsDroppedAndTheChunkFetchedFromTheOrigin() throws Exception {
        EncryptedChunk chunk = store(random(80_000, 2));
        new ChunkCache(origin, encryption, 1 << 20, DiskChunkTier.open(cacheDir, 1 << 20)).plaintext(chunk.ref());
        Path file = diskFile(chunk.ref().name());
        byte[] bytes = Files.readAllBytes(file);
        bytes[1234] ^= 1;
        Files.write(file, bytes);

        ChunkCache restarted = new ChunkCache(origin, encryption, 1 << 20, DiskChunkTier.open(cacheDir, 1 << 20));
        assertThat(bytes(restarted.plaintext(chunk.ref()))).isEqualTo(random(80_000, 2));

        ChunkCacheStats stats = restarted.stats();
        assertThat(stats.disk().hits()).isZero();
        assertThat(stats.origin()).isEqualTo(new ChunkCacheStats.Origin(1, 80_000));
        // The verified copy from the origin replaced the bad one.
        assertThat(Files.readAllBytes(file)).isEqualTo(chunk.ciphertext());
        assertThat(stats.disk().bytesHeld()).isEqualTo(80_000);
    }

    @Test
    void anUnreadableDiskCopyIsDroppedAndTheChunkFetchedFromTheOrigin() throws Exception {
        EncryptedChunk chunk = store(random(60_000, 3));
        DiskChunkTier disk = DiskChunkTier.open(cacheDir, 1 << 20);
        new ChunkCache(origin, encryption, 1 << 20, disk).plaintext(chunk.ref());
        // Something no read can open as a file (we run as root, so permissions would not stop a read).
        Path file = diskFile(chunk.ref().name());
        Files.delete(file);
        Files.createDirectory(file);

        ChunkCache another = new ChunkCache(origin, encryption, 1 << 20, disk);
        assertThat(bytes(another.plaintext(chunk.ref()))).isEqualTo(random(60_000, 3));
        assertThat(another.stats().origin().hits()).isEqualTo(1);
        assertThat(Files.isRegularFile(file)).isTrue();
        assertThat(Files.readAllBytes(file)).isEqualTo(chunk.ciphertext());
    }

    @Test
    void concurrentReadersOfAChunkOnDiskButNotInMemoryCauseOneDiskRead() throws Exception {
        EncryptedChunk chunk = store(random(100_000, 4));
        new ChunkCache(origin, encryption, 1 << 20, DiskChunkTier.open(cacheDir, 1 << 20)).plaintext(chunk.ref());

        AtomicInteger diskReads = new AtomicInteger();
        CountDownLatch readStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        DiskChunkTier held = DiskChunkTier.open(cacheDir, 1 << 20, file -> {
            diskReads.incrementAndGet();
            readStarted.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            }
            return Files.readAllBytes(file);
        });
        CountingOrigin counting = new CountingOrigin(origin, new CountDownLatch(0));
        ChunkCache cache = new ChunkCache(counting, encryption, 1 << 20, held);
        int readers = 8;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<ByteBuffer>> reads = new ArrayList<>();
            reads.add(threads.submit(() -> cache.plaintext(chunk.ref())));
            readStarted.await();
            for (int i = 1; i < readers; i++) {
                reads.add(threads.submit(() -> cache.plaintext(chunk.ref())));
            }
            // Every other reader has joined the disk read in flight before it is allowed to finish.
            await().atMost(Duration.ofSeconds(30)).until(() -> cache.stats().memory().hits() == readers - 1);
            release.countDown();
            for (Future<ByteBuffer> read : reads) {
                assertThat(bytes(read.get())).isEqualTo(random(100_000, 4));
            }
        }
        assertThat(diskReads).hasValue(1);
        assertThat(counting.gets).hasValue(0);
        assertThat(cache.stats().disk().hits()).isEqualTo(1);
        assertThat(cache.stats().reads()).isEqualTo(readers);
    }

    @Test
    void temporariesOfInterruptedWritesAreRemovedAtOpenAndWholeChunksKept() throws Exception {
        EncryptedChunk chunk = store(random(70_000, 5));
        new ChunkCache(origin, encryption, 1 << 20, DiskChunkTier.open(cacheDir, 1 << 20)).plaintext(chunk.ref());
        String hex = chunk.ref().name().hex();
        Path temporary = cacheDir.resolve(hex.substring(0, 2)).resolve("." + hex + ".12345.tmp");
        Files.write(temporary, new byte[] {1, 2, 3});
        Path otherShard = Files.createDirectories(cacheDir.resolve("00"));
        Path otherTemporary = Files.write(otherShard.resolve(".00ab.999.tmp"), new byte[4096]);

        DiskChunkTier reopened = DiskChunkTier.open(cacheDir, 1 << 20);

        assertThat(temporary).doesNotExist();
        assertThat(otherTemporary).doesNotExist();
        assertThat(diskFile(chunk.ref().name())).exists();
        assertThat(reopened.bytesHeld()).isEqualTo(70_000).isEqualTo(bytesOnDisk());
    }

    private EncryptedChunk store(byte[] plaintext) throws Exception {
        EncryptedChunk chunk = encryption.encrypt(plaintext, salt);
        origin.put(chunk.ref().name(), chunk.ciphertext());
        return chunk;
    }

    private Path diskFile(Digest256 name) {
        return cacheDir.resolve(name.hex().substring(0, 2)).resolve(name.hex());
    }

    /** The sizes of every file under the disk tier's directory, temporaries included. */
    private long bytesOnDisk() throws Exception {
        try (Stream<Path> files = Files.walk(cacheDir)) {
            long total = 0;
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                total += Files.size(file);
            }
            return total;
        }
    }
}
