package io.kindling.wire;

/**
 * What one garbage collection pass over the chunk store did; also the answer of {@code POST
 * /kindling/2026-11-27/storage/gc} ({@code kindling storage gc}).
 *
 * @param manifestsDeleted manifests of packages nothing uses any more, deleted
 * @param manifestsKept manifests still in use (or younger than the grace), whose chunks were marked
 * @param chunksDeleted chunks no kept manifest names, deleted
 * @param bytesFreed the size of the chunks deleted
 * @param chunksKept chunks left in the origin: marked, pinned by an ingest, or younger than the grace
 * @param bytesKept the size of the chunks kept
 * @param tookMillis how long the pass took
 */
public record ChunkGcReport(int manifestsDeleted, int manifestsKept, long chunksDeleted, long bytesFreed,
                            long chunksKept, long bytesKept, long tookMillis) {}
