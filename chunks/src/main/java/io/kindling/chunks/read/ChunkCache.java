package io.kindling.chunks.read;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.kindling.chunks.crypto.ChunkCorruptException;
import io.kindling.chunks.crypto.ChunkRef;
import io.kindling.chunks.crypto.ConvergentEncryption;
import io.kindling.chunks.crypto.Digest256;
import io.kindling.chunks.origin.ChunkMissingException;
import io.kindling.chunks.origin.OriginStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's chunk read path: verified chunk plaintexts in memory, bounded in bytes (Caffeine, weighed by length,
 * W-TinyLFU eviction), then optionally chunk ciphertexts on local disk ({@link DiskChunkTier}), then the origin. One
 * per worker, shared by every image it reads.
 *
 * <p>A chunk read from disk is verified exactly like one from the origin (its ciphertext against the name, its
 * plaintext against the manifest's hash); a bad or unreadable disk copy is dropped and logged, and the chunk is
 * fetched from the origin instead, so a failing local disk never fails a read the origin can serve. A chunk fetched
 * from the origin is kept on disk once it verified, and every chunk read enters memory.
 *
 * <p>Single flight across the tiers: the first reader of a chunk missing from memory registers a future in
 * {@code inFlight} and reads the disk or fetches from the origin, decrypting and verifying on its own thread; readers
 * of the same chunk meanwhile wait on that future, so one disk read or one fetch serves them all. The plaintext enters
 * memory before the future leaves {@code inFlight}, so a later reader finds one or the other. A failed fetch is not
 * remembered: every waiter gets the typed error and the next read tries again. ({@code inFlight} holds at most one
 * entry per reader blocked in {@link #plaintext}, so it is as bounded as the callers are.)
 *
 * <p>Memory is keyed by the whole {@link ChunkRef} (name, plaintext hash and key), so a plaintext is only ever handed
 * out for the reference it was verified against; the disk by the name alone, as it holds only what the name commits
 * to.
 */
public final class ChunkCache {

    private static final Logger log = LoggerFactory.getLogger(ChunkCache.class);

    private final OriginStore origin;
    private final ConvergentEncryption encryption;
    private final long memoryBound;
    private final Cache<ChunkRef, byte[]> memory;
    /** Null without a disk tier. */
    private final DiskChunkTier disk;
    /** Chunks whose failure was logged in the last minute; bounded, as a broken image may have many. */
    private final Cache<Digest256, Boolean> recentlyReported = Caffeine.newBuilder().maximumSize(1024)
            .expireAfterWrite(Duration.ofMinutes(1)).build();
    private final ConcurrentHashMap<ChunkRef, CompletableFuture<byte[]>> inFlight = new ConcurrentHashMap<>();
    private final Served fromMemory = new Served();
    private final Served fromDisk = new Served();
    private final Served fromOrigin = new Served();

    /**
     * A cache without a disk tier.
     *
     * @param memoryBytes the bound on plaintext bytes held in memory (chunks being read are not counted)
     */
    public ChunkCache(OriginStore origin, ConvergentEncryption encryption, long memoryBytes) {
        this(origin, encryption, memoryBytes, Optional.empty());
    }

    /**
     * A cache with {@code disk} between memory and the origin.
     *
     * @param memoryBytes the bound on plaintext bytes held in memory (chunks being read are not counted)
     */
    public ChunkCache(OriginStore origin, ConvergentEncryption encryption, long memoryBytes, DiskChunkTier disk) {
        this(origin, encryption, memoryBytes, Optional.of(disk));
    }

    private ChunkCache(OriginStore origin, ConvergentEncryption encryption, long memoryBytes,
                       Optional<DiskChunkTier> disk) {
        this.origin = origin;
        this.encryption = encryption;
        this.memoryBound = memoryBytes;
        this.memory = Caffeine.newBuilder()
                .maximumWeight(memoryBytes)
                .weigher((ChunkRef ref, byte[] plaintext) -> plaintext.length)
                // Evict on the caller's thread: the bound holds when put returns, and no pool is involved.
                .executor(Runnable::run)
                .build();
        this.disk = disk.orElse(null);
    }

    /**
     * The chunk's verified plaintext, read-only.
     *
     * @throws ChunkMissingException if the origin does not have it
     * @throws ChunkCorruptException if what the origin has does not match the reference
     * @throws InterruptedIOException if interrupted while waiting for another reader's fetch
     */
    public ByteBuffer plaintext(ChunkRef ref) throws IOException, ChunkMissingException, ChunkCorruptException {
        byte[] cached = memory.getIfPresent(ref);
        if (cached != null) {
            fromMemory.add(cached.length);
            return readOnly(cached);
        }
        CompletableFuture<byte[]> mine = new CompletableFuture<>();
        CompletableFuture<byte[]> existing = inFlight.putIfAbsent(ref, mine);
        if (existing != null) {
            // Counted on joining, so a test can see every reader waiting before the fetch is let go.
            fromMemory.hits.increment();
            byte[] shared = await(existing);
            fromMemory.bytes.add(shared.length);
            return readOnly(shared);
        }
        try {
            mine.complete(fetch(ref));
        } catch (IOException | ChunkMissingException | ChunkCorruptException | RuntimeException | Error e) {
            mine.completeExceptionally(e);
        } finally {
            inFlight.remove(ref, mine);
        }
        return readOnly(await(mine));
    }

    private byte[] fetch(ChunkRef ref) throws IOException, ChunkMissingException, ChunkCorruptException {
        // A fetch may have finished between this reader's memory miss and its registration.
        byte[] cached = memory.getIfPresent(ref);
        if (cached != null) {
            fromMemory.add(cached.length);
            return cached;
        }
        Optional<byte[]> kept = readDisk(ref);
        byte[] plaintext;
        if (kept.isPresent()) {
            plaintext = kept.get();
            fromDisk.add(plaintext.length);
        } else {
            plaintext = fetchFromOrigin(ref);
            fromOrigin.add(plaintext.length);
        }
        memory.put(ref, plaintext);
        return plaintext;
    }

    /** The verified plaintext of the disk's copy, or empty if there is none or it is bad (then it is dropped). */
    private Optional<byte[]> readDisk(ChunkRef ref) {
        if (disk == null) {
            return Optional.empty();
        }
        Optional<byte[]> ciphertext = disk.read(ref.name());
        if (ciphertext.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(encryption.decrypt(ref, ciphertext.get()));
        } catch (ChunkCorruptException e) {
            // The origin decides: a copy that went bad on this disk is no reason to fail the read.
            disk.discard(ref.name(), e.getMessage());
            return Optional.empty();
        }
    }

    private byte[] fetchFromOrigin(ChunkRef ref) throws IOException, ChunkMissingException, ChunkCorruptException {
        try {
            byte[] ciphertext = origin.get(ref.name());
            byte[] plaintext = encryption.decrypt(ref, ciphertext);
            if (disk != null) {
                disk.write(ref.name(), ciphertext); // only verified bytes, and only ciphertext, reach the disk
            }
            return plaintext;
        } catch (ChunkCorruptException | ChunkMissingException e) {
            // Once per fetch, however many readers wait on it, and once a minute per chunk: the kernel retries a
            // failed page read, and a sandbox looping over a broken file must not flood the log.
            if (recentlyReported.asMap().putIfAbsent(ref.name(), Boolean.TRUE) == null) {
                log.error("chunk store: {} (reported again in a minute if it still fails)", e.getMessage());
            }
            throw e;
        }
    }

    public ChunkCacheStats stats() {
        long memoryHeld = memory.policy().eviction()
                .map(eviction -> eviction.weightedSize().orElse(0L)).orElse(0L);
        return new ChunkCacheStats(
                new ChunkCacheStats.Tier(fromMemory.hits.sum(), fromMemory.bytes.sum(), memoryHeld, memoryBound),
                disk == null
                        ? new ChunkCacheStats.Tier(0, 0, 0, 0)
                        : new ChunkCacheStats.Tier(fromDisk.hits.sum(), fromDisk.bytes.sum(), disk.bytesHeld(), disk.bound()),
                new ChunkCacheStats.Origin(fromOrigin.hits.sum(), fromOrigin.bytes.sum()));
    }

    private static ByteBuffer readOnly(byte[] plaintext) {
        return ByteBuffer.wrap(plaintext).asReadOnlyBuffer();
    }

    private static byte[] await(CompletableFuture<byte[]> future)
            throws IOException, ChunkMissingException, ChunkCorruptException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while another reader fetched the chunk");
        } catch (CancellationException e) {
            throw new IOException("the fetch of the chunk was cancelled", e);
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case ChunkMissingException missing -> throw missing;
                case ChunkCorruptException corrupt -> throw corrupt;
                case RuntimeException runtime -> throw runtime;
                case Error error -> throw error;
                default -> throw new IOException("fetching the chunk failed", e.getCause());
            }
        }
    }

    /** Reads one tier served since start, and their bytes. */
    private static final class Served {
        final LongAdder hits = new LongAdder();
        final LongAdder bytes = new LongAdder();

        void add(int length) {
            hits.increment();
            bytes.add(length);
        }
    }
}
