package io.kindling.bench;

import io.kindling.chunks.FileTrees;
import io.kindling.chunks.cdc.FastCdc;
import io.kindling.chunks.crypto.ConvergentEncryption;
import io.kindling.chunks.crypto.MasterKey;
import io.kindling.chunks.crypto.Salt;
import io.kindling.chunks.crypto.SaltSchedule;
import io.kindling.chunks.ingest.ChunkIngest;
import io.kindling.chunks.ingest.IngestReport;
import io.kindling.chunks.origin.LocalDirectoryOrigin;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * Figure 10: chunk ingest throughput (issue 5's budget: at least 50% of {@code sha256sum} over the same bytes). One
 * random file chunked (FastCDC, defaults), encrypted and stored in a local origin, as the server stores an image's
 * blob, beside the real {@code sha256sum} over the same file, taking turns in the same run. Two ingest figures: into
 * an empty origin (every chunk written and fsynced) and again into the full one (every chunk found, nothing written:
 * a CI re-upload). The file is in the page cache for all of them; the origin is on the file system of the run's
 * temporary directory.
 */
final class ChunkIngestBench {
    /** The budget: ingest throughput at least this share of {@code sha256sum}'s. */
    static final double BUDGET = 0.5;

    /** Ingest into an empty origin ÷ {@code sha256sum}, throughput at the median pass. */
    record Result(double freshRatio, double freshRate, double toolRate) {}

    private final BenchSettings settings;
    private final Path workDir;

    ChunkIngestBench(BenchSettings settings, Path workDir) {
        this.settings = settings;
        this.workDir = workDir;
    }

    Result run(Report report) throws Exception {
        Path dir = Files.createDirectories(workDir.resolve("ingest"));
        try {
            return run(report, dir);
        } finally {
            FileTrees.deleteRecursively(dir);
        }
    }

    private Result run(Report report, Path dir) throws Exception {
        Path file = dir.resolve("image.blob");
        writeRandom(file, (long) settings.ingestMebibytes() << 20, new SplittableRandom(11));
        long size = Files.size(file);
        Salt salt = new SaltSchedule(MasterKey.generate(), Duration.ofDays(7), Clock.systemUTC()).current();
        Histogram tool = Latency.newHistogram();
        Histogram fresh = Latency.newHistogram();
        Histogram again = Latency.newHistogram();
        IngestReport freshReport = null;
        IngestReport againReport = null;
        RoundTripBench.progress("storage: ingest of " + Format.bytes(size) + ", 1 warm-up + " + settings.ingestRuns()
                + " measured passes of each");
        CpuPressure pressure = CpuPressure.start();
        for (int i = -1; i < settings.ingestRuns(); i++) {
            TimedProcess.Outcome outcome = TimedProcess.run(List.of("sha256sum", file.toString()));
            Path originDir = dir.resolve("origin");
            ChunkIngest ingest = new ChunkIngest(new FastCdc(), new ConvergentEncryption(),
                    new LocalDirectoryOrigin(originDir));
            long started = System.nanoTime();
            freshReport = ingest.ingest("blob", file, salt).report();
            long freshDone = System.nanoTime();
            againReport = ingest.ingest("blob", file, salt).report();
            long againDone = System.nanoTime();
            FileTrees.deleteRecursively(originDir);
            if (i >= 0) {
                tool.recordValue(outcome.nanos());
                fresh.recordValue(freshDone - started);
                again.recordValue(againDone - freshDone);
            }
        }
        if (freshReport.reused().chunks() != 0 || againReport.unique().chunks() != 0) {
            throw new IllegalStateException("random bytes were expected to give distinct chunks: first ingest "
                    + freshReport + ", second " + againReport);
        }
        Latency toolLatency = Latency.of(tool);
        Latency freshLatency = Latency.of(fresh);
        Latency againLatency = Latency.of(again);
        double toolRate = rate(size, toolLatency);
        double freshRate = rate(size, freshLatency);
        double againRate = rate(size, againLatency);
        Map<String, Object> sizes = Map.of("file_bytes", size, "chunks", freshReport.total().chunks());
        report.latency("storage.ingest.sha256sum", "sha256sum binary (baseline), spawn to exit", toolLatency,
                ZipInspectionBench.merge(sizes, "mb_per_s", toolRate));
        report.latency("storage.ingest.fresh", "chunk ingest into an empty origin", freshLatency,
                ZipInspectionBench.merge(sizes, "mb_per_s", freshRate));
        report.latency("storage.ingest.again", "chunk ingest again, every chunk already stored", againLatency,
                ZipInspectionBench.merge(sizes, "mb_per_s", againRate));
        String passes = Integer.toString(settings.ingestRuns());
        Report.Table table = report.table("10. Chunk ingest throughput beside `sha256sum`",
                "One " + Format.bytes(size) + " file of random bytes (" + settings.ingestMebibytes() + " MiB), in the page "
                        + "cache, ingested as the server ingests an image's blob: `ChunkIngest` (FastCDC 128 KiB / 512 KiB / "
                        + "2 MiB, then per chunk SHA-256, HMAC key, AES-256-CTR, SHA-256 of the ciphertext) into a "
                        + "`LocalDirectoryOrigin` (each new chunk written to a temporary, fsynced, renamed, directory "
                        + "fsynced; 8 puts in flight) on the run's temporary file system. `sha256sum` and the two ingests "
                        + "take turns; 1 unmeasured, then " + passes + " measured passes each; MB/s is 10⁶ bytes of file "
                        + "per second at the median time.",
                "figure", "passes", "p50 time", "max time", "MB/s at p50", "throughput ÷ sha256sum");
        table.row("`sha256sum` binary (baseline; includes process spawn)", passes, Format.millis(toolLatency.p50Ms()),
                Format.millis(toolLatency.maxMs()), Format.megabytesPerSecond(toolRate), "—");
        double freshRatio = report.ratio("storage.ingest.fresh", "storage.ingest.sha256sum", "throughput", freshRate,
                toolRate);
        table.row("**ingest into an empty origin** (" + String.format("%,d", freshReport.unique().chunks())
                        + " chunks written and fsynced)", passes, Format.millis(freshLatency.p50Ms()),
                Format.millis(freshLatency.maxMs()), Format.megabytesPerSecond(freshRate), Format.ratio(freshRatio));
        table.row("ingest again (" + String.format("%,d", againReport.reused().chunks())
                        + " chunks found, none written: a re-upload)", passes, Format.millis(againLatency.p50Ms()),
                Format.millis(againLatency.maxMs()), Format.megabytesPerSecond(againRate),
                Format.ratio(report.ratio("storage.ingest.again", "storage.ingest.sha256sum", "throughput", againRate,
                        toolRate)));
        table.note("Budget (architecture): chunk ingest ≥ " + Format.ratio(BUDGET) + " `sha256sum` throughput over the "
                + "same bytes: " + (freshRatio >= BUDGET ? "met" : "**missed**") + " into an empty origin ("
                + Format.ratio(freshRatio) + ").");
        double cpuPressure = pressure.percentSinceStart();
        table.note("CPU pressure during this section: " + CpuPressure.describe(cpuPressure) + ".");
        report.runFact("cpu_pressure_pct.storage_ingest", cpuPressure);
        return new Result(freshRatio, freshRate, toolRate);
    }

    private static double rate(long bytes, Latency latency) {
        return bytes / 1e6 / (latency.p50Ms() / 1e3);
    }

    static void writeRandom(Path file, long size, SplittableRandom random) throws Exception {
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; written += block.length) {
                random.nextBytes(block);
                out.write(block, 0, (int) Math.min(block.length, size - written));
            }
        }
    }
}
