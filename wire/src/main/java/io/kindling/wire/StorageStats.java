package io.kindling.wire;

import java.util.List;

/**
 * The node's chunk store in Kindling's storage API ({@code GET /kindling/2026-11-27/storage}), which Lambda has no
 * equivalent of: what the code images add up to, what is stored for them after dedupe, and where the worker's chunk
 * reads were answered since the server started.
 *
 * @param images code images with a manifest
 * @param logicalBytes the images' sizes added up (both parts of each), as if nothing were shared
 * @param storedBytes what the origin holds: each distinct encrypted chunk once
 * @param chunks distinct chunks in the origin
 * @param dedupeRatio the share of logical bytes not stored: {@code 1 - storedBytes / logicalBytes} (all-zero chunks
 *     and chunks shared within or across images), 0 when nothing is stored
 * @param tiers the read path's tiers, nearest first: memory, disk, origin
 */
public record StorageStats(long images, long logicalBytes, long storedBytes, long chunks, double dedupeRatio,
                           List<Tier> tiers) {

    /**
     * One tier of the worker's chunk read path, since the server started.
     *
     * @param name {@code memory}, {@code disk} or {@code origin}
     * @param reads chunk reads this tier answered
     * @param bytesServed bytes of those reads (plaintext from memory, ciphertext from disk and origin)
     * @param hitRate the share of all chunk reads this tier answered; the three add up to 1 once anything was read
     * @param heldBytes what the tier holds now (the origin: {@code storedBytes})
     * @param capacityBytes the tier's bound, 0 for the origin, which has none
     */
    public record Tier(String name, long reads, long bytesServed, double hitRate, long heldBytes, long capacityBytes) {}
}
