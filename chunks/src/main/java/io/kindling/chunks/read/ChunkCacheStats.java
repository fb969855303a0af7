package io.kindling.chunks.read;

/**
 * What a {@link ChunkCache} has served since it was made, tier by tier, and what its tiers hold now. Each read that
 * got a chunk counts as a hit of exactly one tier, so {@link #reads()} is the chunk reads served and each tier's hits
 * divided by it is that tier's hit rate.
 *
 * @param memory verified plaintexts in memory; its hits include readers that waited for another reader's fetch
 *     (counted when they join it, so also when that fetch then fails)
 * @param disk ciphertexts on local disk (all zeros when the cache has no disk tier)
 * @param origin chunks fetched from the origin: one per miss of both tiers, however many readers wanted it
 */
public record ChunkCacheStats(Tier memory, Tier disk, Origin origin) {

    /** Chunk reads served by any tier. */
    public long reads() {
        return memory.hits() + disk.hits() + origin.hits();
    }

    /**
     * A bounded tier.
     *
     * @param hits chunk reads it served
     * @param bytesServed the bytes of those chunks (a chunk's ciphertext and plaintext are equally long)
     * @param bytesHeld bytes it holds now (memory: plaintexts; disk: chunk files); at most {@code bound} between
     *     operations
     * @param bound its configured bound in bytes; 0 for a tier that is off
     */
    public record Tier(long hits, long bytesServed, long bytesHeld, long bound) {}

    /**
     * The origin.
     *
     * @param hits chunks it served (fetches that verified)
     * @param bytesServed the bytes of those chunks
     */
    public record Origin(long hits, long bytesServed) {}
}
