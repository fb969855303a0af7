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
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * Chunk ingest throughput (issue 5's budget: at least 50% of {@code sha256sum} over the same bytes): one
 * random file chunked (FastCDC, defaults), encrypted and stored in a local origin, beside the real
 * {@code sha256sum} over the same file, taking turns in the same run. Two ingest figures: into an empty
 * origin (every chunk written and fsynced) and again into the full one (every chunk found, nothing
 * written: a CI re-upload). The file is in the page cache for all of them.
 *
 * <p>Standalone for now ({@code java -cp kindling-bench.jar:lib/* io.kindling.bench.ChunkIngestBench [MiB]
 * [runs]}); it joins {@link ControlPlaneBench}'s report when the chunk store is wired into the server.
 */
final class ChunkIngestBench {

    public static void main(String[] args) throws Exception {
        int mebibytes = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path workDir = Files.createTempDirectory("kindling-ingest-bench");
        try {
            run(workDir, mebibytes, runs);
        } finally {
            FileTrees.deleteRecursively(workDir);
        }
    }

    private static void run(Path workDir, int mebibytes, int runs) throws Exception {
        Path file = workDir.resolve("image.blob");
        writeRandom(file, (long) mebibytes << 20, new SplittableRandom(11));
        long size = Files.size(file);
        Salt salt = new SaltSchedule(MasterKey.generate(), Duration.ofDays(7), Clock.systemUTC()).current();
        Histogram tool = Latency.newHistogram();
        Histogram fresh = Latency.newHistogram();
        Histogram again = Latency.newHistogram();
        IngestReport freshReport = null;
        IngestReport againReport = null;
        CpuPressure pressure = CpuPressure.start();
        for (int i = -1; i < runs; i++) {
            TimedProcess.Outcome outcome = TimedProcess.run(List.of("sha256sum", file.toString()));
            Path originDir = workDir.resolve("origin");
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
        double toolRate = rate(size, Latency.of(tool));
        double freshRate = rate(size, Latency.of(fresh));
        double againRate = rate(size, Latency.of(again));
        MachineDescription machine = MachineDescription.read();
        System.out.println("| figure | p50 time | MB/s at p50 | throughput ÷ sha256sum |");
        System.out.println("|---|---|---|---|");
        System.out.println("| `sha256sum` binary (baseline; includes process spawn) | "
                + Format.millis(Latency.of(tool).p50Ms()) + " | " + Format.megabytesPerSecond(toolRate) + " | — |");
        System.out.println("| **ingest into an empty origin** (" + freshReport.unique().chunks() + " chunks written, fsynced) | "
                + Format.millis(Latency.of(fresh).p50Ms()) + " | " + Format.megabytesPerSecond(freshRate) + " | "
                + Format.ratio(freshRate / toolRate) + " |");
        System.out.println("| **ingest again** (" + againReport.reused().chunks() + " chunks found, none written) | "
                + Format.millis(Latency.of(again).p50Ms()) + " | " + Format.megabytesPerSecond(againRate) + " | "
                + Format.ratio(againRate / toolRate) + " |");
        System.out.println();
        System.out.println(Format.bytes(size) + " of random bytes in the page cache, " + runs
                + " measured passes of each after 1 warm-up, taking turns. CPU pressure: "
                + CpuPressure.describe(pressure.percentSinceStart()) + ". Machine: " + machine.cpuModel() + ", "
                + machine.cpus() + " CPUs, " + machine.cpuFeatures() + ".");
    }

    private static double rate(long bytes, Latency latency) {
        return bytes / 1e6 / (latency.p50Ms() / 1e3);
    }

    private static void writeRandom(Path file, long size, SplittableRandom random) throws Exception {
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; written += block.length) {
                random.nextBytes(block);
                out.write(block, 0, (int) Math.min(block.length, size - written));
            }
        }
    }
}
