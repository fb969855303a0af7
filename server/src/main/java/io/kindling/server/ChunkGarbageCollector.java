package io.kindling.server;

import io.kindling.chunks.crypto.Digest256;
import io.kindling.chunks.gc.ChunkPins;
import io.kindling.chunks.gc.SweepReport;
import io.kindling.chunks.manifest.Manifest;
import io.kindling.chunks.manifest.ManifestCorruptException;
import io.kindling.registry.Registry;
import io.kindling.registry.RegistryException;
import io.kindling.wire.ChunkGcReport;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Garbage collection of the chunk store, by mark and sweep: deleted functions and versions free their images'
 * manifests, and then every chunk no remaining manifest names.
 *
 * <p>One pass:
 * <ol>
 *   <li>Begin a pass ({@link ChunkPins#beginPass}): from now on every chunk an ingest pins is spared.
 *   <li>For each manifest: if its package is unused and the manifest is older than the grace, delete it; the
 *       registry's check ({@link Registry#deleteIfCodeUnused}) and the store's ({@link CodeImageStore#use}: an image
 *       mounted or being mounted) are both made atomically with the delete. Unused means no version references the
 *       package and the registry holds nothing of it (a pool still running replaced code, an upload in progress).
 *   <li>Make those deletions durable, then mark every chunk the remaining manifests name.
 *   <li>Sweep: delete each chunk that is unmarked, older than the grace, and was not pinned since the pass began.
 * </ol>
 * A mounted image's manifest is never deleted and never replaced ({@link CodeImageStore}), so marking the manifests
 * on disk marks every mounted image's chunks too; its in-memory copy is the same manifest.
 *
 * <p>A kept manifest that cannot be read stops the pass before the sweep (its chunks could not be marked), logged
 * each pass until someone deletes it; its version then binds the unpacked package.
 *
 * <p>Threads: passes run every {@link ChunkStoreConfig#gcInterval()} on one virtual thread, {@code chunk-gc} (the
 * work is file I/O and waits for the registry's thread); {@link #collect} runs one now on the caller's thread. One
 * pass at a time. Memory: the marked names (one per chunk in use) and the chunks pinned during the pass.
 */
final class ChunkGarbageCollector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChunkGarbageCollector.class);
    /** After start, once activations resumed at start are under way; sooner if the interval is shorter. */
    static final Duration FIRST_PASS = Duration.ofMinutes(1);
    /** A pass is a directory listing, a few reads and unlinks: a pass still running at close gets this long. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private final CodeImageStore store;
    private final Registry registry;
    private final Duration grace;
    private final Clock clock;
    private final ScheduledExecutorService passes =
            Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("chunk-gc").factory());

    ChunkGarbageCollector(CodeImageStore store, Registry registry, Duration grace, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.grace = grace;
        this.clock = clock;
    }

    /** A collector that runs a pass every {@code config.gcInterval()}, the first soon after start. */
    static ChunkGarbageCollector start(CodeImageStore store, Registry registry, ChunkStoreConfig config) {
        ChunkGarbageCollector collector = new ChunkGarbageCollector(store, registry, config.gcGrace(), Clock.systemUTC());
        Duration first = config.gcInterval().compareTo(FIRST_PASS) < 0 ? config.gcInterval() : FIRST_PASS;
        collector.passes.scheduleWithFixedDelay(collector::scheduledPass, first.toMillis(),
                config.gcInterval().toMillis(), TimeUnit.MILLISECONDS);
        return collector;
    }

    /**
     * Runs one pass now (after the one under way, if any), logs and returns what it did.
     *
     * @throws ManifestCorruptException if a manifest that must be kept cannot be read: nothing was swept
     */
    synchronized ChunkGcReport collect() throws IOException, RegistryException, ManifestCorruptException {
        long started = System.nanoTime();
        Instant cutoff = clock.instant().minus(grace);
        try (ChunkPins.Pass pass = store.beginPass()) {
            Set<String> inUse = registry.codeInUse();
            int deleted = 0;
            int kept = 0;
            Set<Digest256> marked = new HashSet<>();
            for (CodeImageStore.ManifestFile file : store.manifestFiles()) {
                String sha256Hex = file.sha256Hex();
                if (!inUse.contains(sha256Hex) && file.writtenAt().isBefore(cutoff)
                        && registry.deleteIfCodeUnused(sha256Hex, () -> store.deleteManifestUnlessInUse(sha256Hex))) {
                    deleted++;
                } else {
                    kept++;
                    marked.addAll(readKept(sha256Hex).map(Manifest::chunkNames).orElse(Set.of()));
                }
            }
            if (deleted > 0) {
                store.syncManifestDeletions();
            }
            SweepReport sweep = store.sweep(pass, marked, cutoff);
            ChunkGcReport report = new ChunkGcReport(deleted, kept, sweep.chunksDeleted(), sweep.bytesFreed(),
                    sweep.chunksKept(), sweep.bytesKept(),
                    Duration.ofNanos(System.nanoTime() - started).toMillis());
            log.info("chunk store collected: {} manifest(s) deleted, {} kept; {} chunk(s) deleted ({} bytes freed), "
                            + "{} kept ({} bytes), in {} ms", report.manifestsDeleted(), report.manifestsKept(),
                    report.chunksDeleted(), report.bytesFreed(), report.chunksKept(), report.bytesKept(),
                    report.tookMillis());
            return report;
        }
    }

    private Optional<Manifest> readKept(String sha256Hex) throws IOException, ManifestCorruptException {
        try {
            return store.manifest(sha256Hex);
        } catch (ManifestCorruptException e) {
            log.error("chunk store: the manifest of code {} ({}) cannot be read, so no chunk is swept while it is "
                    + "there; delete it to let collection go on (its code is then served unpacked): {}", sha256Hex,
                    store.manifestFile(sha256Hex), e.getMessage());
            throw e;
        }
    }

    private void scheduledPass() {
        try {
            collect();
        } catch (ManifestCorruptException e) {
            // logged with the manifest's name where it was found
        } catch (IOException | RegistryException | RuntimeException e) {
            // A failed pass changed nothing unsafe: the next one starts over.
            log.warn("chunk store collection failed, trying again in the next pass: {}", e.toString());
        }
    }

    /** Stops the passes, letting one under way finish. */
    @Override
    public void close() {
        passes.shutdown();
        try {
            if (!passes.awaitTermination(CLOSE_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("a chunk store collection still runs at close; stopping it (a pass stopped anywhere is safe)");
                passes.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            passes.shutdownNow();
        }
    }
}
