package io.kindling.chunks.read;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.kindling.chunks.crypto.ChunkCorruptException;
import io.kindling.chunks.crypto.ChunkRef;
import io.kindling.chunks.crypto.ConvergentEncryption;
import io.kindling.chunks.origin.ChunkMissingException;
import io.kindling.chunks.origin.OriginStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verified chunk plaintexts in memory, bounded in bytes (Caffeine, weighed by length, W-TinyLFU eviction),
 * in front of the origin. One per worker, shared by every image it reads.
 *
 * <p>Single flight: the first reader of a missing chunk registers a future in {@code inFlight} and
 * fetches, decrypts and verifies on its own thread; readers of the same chunk meanwhile wait on that
 * future, so one fetch serves them all. The plaintext enters the cache before the future leaves
 * {@code inFlight}, so a later reader finds one or the other. A failed fetch is not remembered: every
 * waiter gets the typed error and the next read tries again. ({@code inFlight} holds at most one entry
 * per reader blocked in {@link #plaintext}, so it is as bounded as the callers are.)
 *
 * <p>Keyed by the whole {@link ChunkRef} (name, plaintext hash and key), so a plaintext is only ever
 * handed out for the reference it was verified against.
 */
public final class ChunkCache {

    private static final Logger log = LoggerFactory.getLogger(ChunkCache.class);

    private final OriginStore origin;
    private final ConvergentEncryption encryption;
    private final Cache<ChunkRef, byte[]> cache;
    private final ConcurrentHashMap<ChunkRef, CompletableFuture<byte[]>> inFlight = new ConcurrentHashMap<>();
    private final LongAdder hits = new LongAdder();
    private final LongAdder originFetches = new LongAdder();
    private final LongAdder bytesFetched = new LongAdder();

    /** @param maxBytes the bound on plaintext bytes held (chunks being fetched are not counted) */
    public ChunkCache(OriginStore origin, ConvergentEncryption encryption, long maxBytes) {
        this.origin = origin;
        this.encryption = encryption;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((ChunkRef ref, byte[] plaintext) -> plaintext.length)
                // Evict on the caller's thread: the bound holds when put returns, and no pool is involved.
                .executor(Runnable::run)
                .build();
    }

    /**
     * The chunk's verified plaintext, read-only.
     *
     * @throws ChunkMissingException if the origin does not have it
     * @throws ChunkCorruptException if what the origin has does not match the reference
     * @throws InterruptedIOException if interrupted while waiting for another reader's fetch
     */
    public ByteBuffer plaintext(ChunkRef ref) throws IOException, ChunkMissingException, ChunkCorruptException {
        byte[] cached = cache.getIfPresent(ref);
        if (cached != null) {
            hits.increment();
            return readOnly(cached);
        }
        CompletableFuture<byte[]> mine = new CompletableFuture<>();
        CompletableFuture<byte[]> existing = inFlight.putIfAbsent(ref, mine);
        if (existing != null) {
            hits.increment();
            return readOnly(await(existing));
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
        // A fetch may have finished between this reader's cache miss and its registration.
        byte[] cached = cache.getIfPresent(ref);
        if (cached != null) {
            return cached;
        }
        originFetches.increment();
        try {
            byte[] ciphertext = origin.get(ref.name());
            bytesFetched.add(ciphertext.length);
            byte[] plaintext = encryption.decrypt(ref, ciphertext);
            cache.put(ref, plaintext);
            return plaintext;
        } catch (ChunkCorruptException | ChunkMissingException e) {
            // Logged once per fetch, however many readers wait on it.
            log.error("chunk store: {}", e.getMessage());
            throw e;
        }
    }

    public ChunkCacheStats stats() {
        long cachedBytes = cache.policy().eviction()
                .map(eviction -> eviction.weightedSize().orElse(0L)).orElse(0L);
        return new ChunkCacheStats(hits.sum(), originFetches.sum(), bytesFetched.sum(), cachedBytes);
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
}
