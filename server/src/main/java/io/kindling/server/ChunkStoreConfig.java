package io.kindling.server;

import java.time.Duration;
import java.util.Objects;

/**
 * How function code is kept as images in the chunk store and served on the worker (mounted, or materialized).
 *
 * @param saltEpoch how long one chunk salt is used before the next (default 30 days): a new epoch gives every chunk
 *     a new name, so a popular chunk exists in a few copies and one bad copy breaks only that epoch's images
 * @param chunkCacheBytes the bound on verified chunk plaintexts the worker keeps in memory, shared by every image
 *     (default 256 MiB)
 * @param diskCacheBytes the bound on chunk ciphertexts the worker keeps on local disk under {@code chunks/cache/},
 *     between memory and the origin, and across restarts (default 2 GiB; 0 turns the disk tier off)
 * @param unmountGrace how long an image stays mounted (or materialized) after the last pool using it closed, so the
 *     next cold start of the same version does not mount it again (default 60 s)
 * @param mountImages false to materialize every image from its chunks into a directory instead of mounting it, as on
 *     a host that cannot mount (e.g. to compare the two paths); true (the default) mounts images where the host can
 * @param gcGrace how old an unused manifest or an unreferenced chunk must be before garbage collection deletes it
 *     (default 1 hour); 0 deletes at the next pass. Safety does not rest on it (ingests pin their chunks, mounted images
 *     their manifests); it spares whatever a writer outside that protocol (a tool, another node) just put
 * @param gcInterval the time between garbage collection passes (default 10 minutes; the first runs a minute after
 *     start, or sooner if the interval is shorter)
 */
public record ChunkStoreConfig(Duration saltEpoch, long chunkCacheBytes, long diskCacheBytes, Duration unmountGrace,
                               boolean mountImages, Duration gcGrace, Duration gcInterval) {
    public ChunkStoreConfig {
        Objects.requireNonNull(saltEpoch, "saltEpoch");
        Objects.requireNonNull(unmountGrace, "unmountGrace");
        Objects.requireNonNull(gcGrace, "gcGrace");
        Objects.requireNonNull(gcInterval, "gcInterval");
        if (saltEpoch.isNegative() || saltEpoch.isZero()) {
            throw new IllegalArgumentException("the salt epoch must be positive: " + saltEpoch);
        }
        if (unmountGrace.isNegative()) {
            throw new IllegalArgumentException("the unmount grace must not be negative: " + unmountGrace);
        }
        if (gcGrace.isNegative()) {
            throw new IllegalArgumentException("the garbage collection grace must not be negative: " + gcGrace);
        }
        if (gcInterval.isNegative() || gcInterval.isZero()) {
            throw new IllegalArgumentException("the garbage collection interval must be positive: " + gcInterval);
        }
        // Two maximum-size chunks at least, so one read spanning a chunk boundary never evicts its own first half.
        if (chunkCacheBytes < 4L << 20) {
            throw new IllegalArgumentException("the chunk cache must hold at least 4 MiB: " + chunkCacheBytes);
        }
        if (diskCacheBytes != 0 && diskCacheBytes < 4L << 20) {
            throw new IllegalArgumentException("the disk chunk cache must be 0 (off) or hold at least 4 MiB: "
                    + diskCacheBytes);
        }
    }

    public static ChunkStoreConfig defaults() {
        return new ChunkStoreConfig(Duration.ofDays(30), 256L << 20, 2L << 30, Duration.ofSeconds(60), true,
                Duration.ofHours(1), Duration.ofMinutes(10));
    }

    public ChunkStoreConfig withUnmountGrace(Duration grace) {
        return new ChunkStoreConfig(saltEpoch, chunkCacheBytes, diskCacheBytes, grace, mountImages, gcGrace, gcInterval);
    }

    public ChunkStoreConfig withMountImages(boolean mount) {
        return new ChunkStoreConfig(saltEpoch, chunkCacheBytes, diskCacheBytes, unmountGrace, mount, gcGrace, gcInterval);
    }

    public ChunkStoreConfig withGc(Duration grace, Duration interval) {
        return new ChunkStoreConfig(saltEpoch, chunkCacheBytes, diskCacheBytes, unmountGrace, mountImages, grace,
                interval);
    }
}
