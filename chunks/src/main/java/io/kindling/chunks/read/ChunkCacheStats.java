package io.kindling.chunks.read;

/**
 * What a {@link ChunkCache} has done since it was made.
 *
 * @param hits reads served from memory, including reads that waited for another reader's fetch
 * @param originFetches chunks fetched from the origin (one per miss, however many readers wanted it)
 * @param bytesFetched ciphertext bytes those fetches returned
 * @param cachedBytes plaintext bytes held now (at most the cache's bound once eviction has run)
 */
public record ChunkCacheStats(long hits, long originFetches, long bytesFetched, long cachedBytes) {}
