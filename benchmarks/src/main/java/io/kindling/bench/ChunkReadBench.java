package io.kindling.bench;

import io.kindling.chunks.FileTrees;
import io.kindling.chunks.cdc.FastCdc;
import io.kindling.chunks.crypto.ChunkRef;
import io.kindling.chunks.crypto.ConvergentEncryption;
import io.kindling.chunks.crypto.MasterKey;
import io.kindling.chunks.crypto.SaltSchedule;
import io.kindling.chunks.ingest.ChunkIngest;
import io.kindling.chunks.manifest.ChunkEntry;
import io.kindling.chunks.manifest.StoredChunk;
import io.kindling.chunks.origin.LocalDirectoryOrigin;
import io.kindling.chunks.read.ChunkCache;
import io.kindling.chunks.read.ChunkCacheStats;
import io.kindling.chunks.read.DiskChunkTier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * Figure 10e: one chunk read through the worker's read path ({@link ChunkCache}), per tier, in this JVM: from the
 * origin (a local directory: read, check the name, decrypt, verify), from the local-disk tier (read, verify), and from
 * memory. Beside two baselines over the same chunk: reading its file ({@code Files.readAllBytes}) and one SHA-256 of
 * it (the JDK's), so what verifying and decrypting cost is visible. Every file is in the page cache.
 *
 * <p>Each pass reads every chunk once per figure, the figures taking turns chunk by chunk: the origin through a new
 * cache without a disk tier, the disk through a new cache over a disk tier filled before (opened again, so nothing of
 * it is in memory), memory through one cache that read every chunk before.
 */
final class ChunkReadBench {
    private static final int MEBIBYTES = 64;
    /** ChunkStoreConfig's smallest memory tier: room for two of the largest chunks, so nothing is re-read from memory. */
    private static final long SMALL_MEMORY = 4L << 20;
    private static final long LARGE_MEMORY = 256L << 20;
    private static final long DISK_BOUND = 1L << 30;

    /** One read figure: how it reads a chunk, and its samples. */
    private record Figure(String id, String label, Histogram nanos) {
        Figure(String id, String label) {
            this(id, label, Latency.newHistogram());
        }
    }

    private final BenchSettings settings;
    private final Path workDir;

    ChunkReadBench(BenchSettings settings, Path workDir) {
        this.settings = settings;
        this.workDir = workDir;
    }

    void run(Report report) throws Exception {
        Path dir = Files.createDirectories(workDir.resolve("chunk-reads"));
        try {
            run(report, dir);
        } finally {
            FileTrees.deleteRecursively(dir);
        }
    }

    private void run(Report report, Path dir) throws Exception {
        Path file = dir.resolve("image.blob");
        ChunkIngestBench.writeRandom(file, (long) MEBIBYTES << 20, new SplittableRandom(13));
        ConvergentEncryption encryption = new ConvergentEncryption();
        Path originDir = dir.resolve("origin");
        LocalDirectoryOrigin origin = new LocalDirectoryOrigin(originDir);
        List<ChunkEntry> entries = new ChunkIngest(new FastCdc(), encryption, origin)
                .ingest("blob", file, new SaltSchedule(MasterKey.generate(), Duration.ofDays(7), Clock.systemUTC()).current())
                .part().chunks();
        List<StoredChunk> chunks = entries.stream().map(StoredChunk.class::cast).toList();
        long meanChunk = Files.size(file) / chunks.size();
        Files.delete(file);

        Path diskDir = dir.resolve("disk");
        ChunkCache filler = new ChunkCache(origin, encryption, SMALL_MEMORY, DiskChunkTier.open(diskDir, DISK_BOUND));
        ChunkCache warm = new ChunkCache(origin, encryption, LARGE_MEMORY);
        for (StoredChunk chunk : chunks) {
            filler.plaintext(chunk.ref());
            warm.plaintext(chunk.ref());
        }
        Figure fileRead = new Figure("storage.read.file", "`Files.readAllBytes` of the chunk's file (baseline)");
        Figure sha256 = new Figure("storage.read.sha256", "SHA-256 of the chunk, JDK `MessageDigest` (baseline)");
        Figure fromOrigin = new Figure("storage.read.origin",
                "**origin** (local directory): read, name checked, decrypted, plaintext verified");
        Figure fromDisk = new Figure("storage.read.disk", "**disk tier**: read, name checked, decrypted, plaintext verified");
        Figure fromMemory = new Figure("storage.read.memory", "**memory tier**: a verified plaintext held in memory");
        RoundTripBench.progress("storage: chunk reads, " + chunks.size() + " chunks, 1 warm-up + "
                + settings.chunkReadPasses() + " measured passes");
        CpuPressure pressure = CpuPressure.start();
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        for (int pass = -1; pass < settings.chunkReadPasses(); pass++) {
            boolean measured = pass >= 0;
            ChunkCache originOnly = new ChunkCache(origin, encryption, SMALL_MEMORY);
            ChunkCache overDisk = new ChunkCache(origin, encryption, SMALL_MEMORY, DiskChunkTier.open(diskDir, DISK_BOUND));
            for (StoredChunk chunk : chunks) {
                ChunkRef ref = chunk.ref();
                String hex = ref.name().hex();
                long started = System.nanoTime();
                byte[] bytes = Files.readAllBytes(originDir.resolve(hex.substring(0, 2)).resolve(hex));
                long read = System.nanoTime();
                digest.digest(bytes);
                long hashed = System.nanoTime();
                originOnly.plaintext(ref);
                long fetched = System.nanoTime();
                overDisk.plaintext(ref);
                long fromDiskDone = System.nanoTime();
                warm.plaintext(ref);
                long fromMemoryDone = System.nanoTime();
                if (measured) {
                    fileRead.nanos().recordValue(read - started);
                    sha256.nanos().recordValue(hashed - read);
                    fromOrigin.nanos().recordValue(fetched - hashed);
                    fromDisk.nanos().recordValue(fromDiskDone - fetched);
                    fromMemory.nanos().recordValue(fromMemoryDone - fromDiskDone);
                }
            }
            expectServed(originOnly.stats().origin().hits(), chunks.size(), "the origin");
            expectServed(overDisk.stats().disk().hits(), chunks.size(), "the disk tier");
        }
        ChunkCacheStats warmStats = warm.stats();
        expectServed(warmStats.memory().hits(), (long) chunks.size() * (settings.chunkReadPasses() + 1), "memory");
        render(report, List.of(fileRead, sha256, fromOrigin, fromDisk, fromMemory), chunks.size(), meanChunk,
                pressure.percentSinceStart());
    }

    private static void expectServed(long served, long expected, String tier) {
        if (served != expected) {
            throw new IllegalStateException(tier + " served " + served + " chunk reads where " + expected + " were meant "
                    + "for it");
        }
    }

    private void render(Report report, List<Figure> figures, int chunks, long meanChunk, double cpuPressure) {
        Report.Table table = report.table("10e. Chunk reads per tier beside a file read and SHA-256",
                MEBIBYTES + " MiB of random bytes ingested into a `LocalDirectoryOrigin` (" + chunks + " chunks, mean "
                        + Format.bytes(meanChunk) + "), then read chunk by chunk through `ChunkCache.plaintext`, in this "
                        + "JVM: from the origin (a new cache without a disk tier each pass), from the disk tier (a new "
                        + "cache each pass over a `DiskChunkTier` filled before and opened again) and from memory (one "
                        + "cache that has read every chunk). Baselines over the same chunk: its origin file read with "
                        + "`Files.readAllBytes`, and one SHA-256 of it. Every file is in the page cache. 1 unmeasured, then "
                        + settings.chunkReadPasses() + " measured passes; in each the five take turns chunk by chunk.",
                "path", "n", "p50", "p99", "max", "MB/s at p50 (mean chunk ÷ p50)", "p50 ÷ file read");
        Latency file = Latency.of(figures.getFirst().nanos());
        Map<String, Object> size = new LinkedHashMap<>();
        size.put("chunks", chunks);
        size.put("mean_chunk_bytes", meanChunk);
        for (Figure figure : figures) {
            Latency latency = Latency.of(figure.nanos());
            double rate = meanChunk / 1e6 / (latency.p50Ms() / 1e3);
            report.latency(figure.id(), figure.label(), latency, ZipInspectionBench.merge(size, "mb_per_s", rate));
            String ratio = figure == figures.getFirst() ? "—"
                    : Format.ratio(report.ratio(figure.id(), figures.getFirst().id(), "p50", latency.p50Ms(), file.p50Ms()));
            table.row(figure.label(), String.format("%,d", latency.count()), Format.millis(latency.p50Ms()),
                    Format.millis(latency.p99Ms()), Format.millis(latency.maxMs()), Format.megabytesPerSecond(rate), ratio);
        }
        table.note("No budget. Anchor (ATC'23, as the worker sees it): Lambda's AZ cache answers a chunk in 550 µs median "
                + "(3.7 ms p99.9), S3 in 36 ms median; its worker-local tier serves about 67% of chunk reads. The origin "
                + "here is a local directory: a remote origin adds its round trip. An origin read hashes the ciphertext "
                + "twice (the origin checks the name, then decryption checks it again) and the plaintext once; a disk "
                + "read once each. In the server, a chunk fetched from the origin is also written to the disk tier "
                + "(not here: this cache has none).");
        table.note("CPU pressure during this section: " + CpuPressure.describe(cpuPressure) + ".");
        report.runFact("cpu_pressure_pct.storage_reads", cpuPressure);
    }
}
