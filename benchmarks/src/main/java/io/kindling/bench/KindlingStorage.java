package io.kindling.bench;

import io.kindling.wire.LambdaJson;
import io.kindling.wire.StorageStats;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Kindling's own view of its chunk store, {@code GET /kindling/2026-11-27/storage}, from a server running with
 * {@code --auth none}: the store's totals (images, logical and stored bytes; computed at most every 5 s) and where the
 * worker's chunk reads were answered (per tier, live counters).
 */
final class KindlingStorage {
    /** What a server with a new data directory has stored: nothing. */
    static final StorageStats FRESH = new StorageStats(0, 0, 0, 0, 0, List.of());
    private static final String PATH = "/kindling/2026-11-27/storage";
    private static final Duration POLL = Duration.ofMillis(250);
    /** The totals' cache (5 s) and a margin: after this a deployed image must show. */
    private static final Duration TOTALS_CATCH_UP = Duration.ofSeconds(15);

    private final String endpoint;

    KindlingStorage(String endpoint) {
        this.endpoint = endpoint;
    }

    StorageStats now() throws IOException {
        return LambdaJson.mapper().readValue(KindlingGet.body(endpoint, PATH), StorageStats.class);
    }

    /**
     * Polls until the totals count at least {@code images} images, for an image stored just now; null when they still do
     * not after the totals' cache has surely expired (no image was stored: e.g. no mkfs.erofs on this host).
     */
    StorageStats awaitImages(long images) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TOTALS_CATCH_UP.toNanos();
        while (true) {
            StorageStats stats = now();
            if (stats.images() >= images) {
                return stats;
            }
            if (System.nanoTime() > deadline) {
                return null;
            }
            Thread.sleep(POLL);
        }
    }

    static StorageStats.Tier tier(StorageStats stats, String name) {
        return stats.tiers().stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no tier " + name + " in " + stats));
    }

    /** Bytes the worker read below memory (from the local disk tier or the origin) between two answers. */
    static long fetchedBetween(StorageStats before, StorageStats after) {
        return delta(before, after, "disk") + delta(before, after, "origin");
    }

    private static long delta(StorageStats before, StorageStats after, String tier) {
        return tier(after, tier).bytesServed() - tier(before, tier).bytesServed();
    }
}
