package io.kindling.server;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.kindling.chunks.manifest.ManifestCorruptException;
import io.kindling.chunks.read.ChunkCacheStats;
import io.kindling.frontend.NodeStatus;
import io.kindling.registry.RegistryException;
import io.kindling.wire.ChunkGcReport;
import io.kindling.wire.StorageStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * What the node says about itself: the chunk store's totals and the read path's tiers for
 * {@code kindling storage stats}, a garbage collection pass on demand ({@code kindling storage gc}), and the same figures (with the JVM's) as Prometheus metrics.
 *
 * <p>The store's totals walk the manifests and the origin, so they are computed at most once per
 * {@link #TOTALS_TTL} however often they are asked for; the tier counters are read live.
 */
final class ServerStatus implements NodeStatus {
    private static final Duration TOTALS_TTL = Duration.ofSeconds(5);

    private static final List<String> TIER_NAMES = List.of("memory", "disk", "origin");

    private final PrometheusMeterRegistry registry;
    private final ChunkGarbageCollector collector;
    private final Supplier<ChunkCacheStats> reads;
    /** One entry: the totals, recomputed when older than the TTL. */
    private final LoadingCache<Boolean, CodeImageStore.StoredTotals> totals;

    /** A registry for the metrics every part of the server adds to what this reports. */
    static PrometheusMeterRegistry newRegistry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    ServerStatus(PrometheusMeterRegistry registry, CodeImageStore store, ChunkGarbageCollector collector,
                 Supplier<ChunkCacheStats> reads) {
        this.registry = registry;
        this.collector = collector;
        this.reads = reads;
        this.totals = Caffeine.newBuilder().maximumSize(1).expireAfterWrite(TOTALS_TTL).build(key -> {
            try {
                return store.totals();
            } catch (IOException e) {
                throw new UncheckedIOException("the chunk store cannot be listed", e);
            }
        });
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        storeGauge("kindling.chunk.store.images", "code images with a manifest", t -> t.images());
        storeGauge("kindling.chunk.store.logical.bytes", "the images' sizes added up, as if nothing were shared",
                t -> t.logicalBytes());
        storeGauge("kindling.chunk.store.stored.bytes", "encrypted chunk bytes in the origin, each chunk once",
                t -> t.storedBytes());
        storeGauge("kindling.chunk.store.chunks", "distinct chunks in the origin", t -> t.chunks());
        for (int i = 0; i < TIER_NAMES.size(); i++) {
            int tier = i;
            String name = TIER_NAMES.get(tier);
            FunctionCounter.builder("kindling.chunk.reads", this, s -> s.tiers().get(tier).reads())
                    .description("chunk reads answered by the tier").tag("tier", name).register(registry);
            FunctionCounter.builder("kindling.chunk.read.bytes", this, s -> s.tiers().get(tier).bytesServed())
                    .description("bytes of the chunk reads answered by the tier").tag("tier", name)
                    .baseUnit("bytes").register(registry);
            Gauge.builder("kindling.chunk.cache.held.bytes", this, s -> s.tiers().get(tier).heldBytes())
                    .description("bytes the tier holds now").tag("tier", name).baseUnit("bytes").register(registry);
        }
    }

    private void storeGauge(String name, String description, ToDoubleFunction<CodeImageStore.StoredTotals> value) {
        Gauge.builder(name, this, s -> value.applyAsDouble(s.totals.get(Boolean.TRUE)))
                .description(description).register(registry);
    }

    @Override
    public StorageStats storage() {
        CodeImageStore.StoredTotals stored = totals.get(Boolean.TRUE);
        double dedupe = stored.logicalBytes() == 0 ? 0 : Math.max(0, 1 - (double) stored.storedBytes() / stored.logicalBytes());
        return new StorageStats(stored.images(), stored.logicalBytes(), stored.storedBytes(), stored.chunks(), dedupe,
                tiers());
    }

    @Override
    public ChunkGcReport collectGarbage() throws IOException {
        try {
            ChunkGcReport report = collector.collect();
            totals.invalidateAll();
            return report;
        } catch (RegistryException | ManifestCorruptException e) {
            throw new IOException("the garbage collection pass stopped: " + e.getMessage(), e);
        }
    }

    @Override
    public String metrics() {
        return registry.scrape();
    }

    /** The read path's tiers now, nearest first. */
    private List<StorageStats.Tier> tiers() {
        ChunkCacheStats s = reads.get();
        long all = s.reads();
        return List.of(tier("memory", s.memory(), all), tier("disk", s.disk(), all),
                new StorageStats.Tier("origin", s.origin().hits(), s.origin().bytesServed(), share(s.origin().hits(), all),
                        totals.get(Boolean.TRUE).storedBytes(), 0));
    }

    private static StorageStats.Tier tier(String name, ChunkCacheStats.Tier tier, long all) {
        return new StorageStats.Tier(name, tier.hits(), tier.bytesServed(), share(tier.hits(), all), tier.bytesHeld(),
                tier.bound());
    }

    /** For a server without a worker: nothing was read. */
    static ChunkCacheStats noChunkReads() {
        ChunkCacheStats.Tier none = new ChunkCacheStats.Tier(0, 0, 0, 0);
        return new ChunkCacheStats(none, none, new ChunkCacheStats.Origin(0, 0));
    }

    private static double share(long part, long all) {
        return all == 0 ? 0 : (double) part / all;
    }
}
