package io.kindling.bench;

import io.kindling.chunks.PackageLimits;
import io.kindling.chunks.PackageSummary;
import io.kindling.chunks.ZipPackageInspector;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * Figure 5: ZipPackageInspector over a package near Lambda's 50 MiB upload limit, beside the real
 * {@code sha256sum} over the same file and the JDK's SHA-256 reading it the way the inspector's
 * own hashing pass does (64 KiB reads). The file is in the page cache for all three.
 */
final class ZipInspectionBench {
    static final int FILES = 6;
    static final int FILE_BYTES = 8 * 1024 * 1024;

    private final BenchSettings settings;
    private final Path workDir;

    ZipInspectionBench(BenchSettings settings, Path workDir) {
        this.settings = settings;
        this.workDir = workDir;
    }

    void run(Report report) throws Exception {
        CpuPressure pressure = CpuPressure.start();
        Path zip = workDir.resolve("inspect-me.zip");
        ZipFixtures.inspectionPackage(zip, new SplittableRandom(5), FILES, FILE_BYTES);
        long size = Files.size(zip);
        ZipPackageInspector inspector = new ZipPackageInspector();
        PackageLimits limits = PackageLimits.lambdaDefaults();
        List<String> sha256sum = List.of("sha256sum", zip.toString());
        Histogram tool = Latency.newHistogram();
        Histogram jdk = Latency.newHistogram();
        Histogram inspect = Latency.newHistogram();
        RoundTripBench.progress("zip inspection: " + Format.bytes(size) + ", " + settings.inspectWarmup() + " warm-up + "
                + settings.inspectRuns() + " measured passes of each");
        PackageSummary summary = null;
        String toolHex = null;
        String jdkHex = null;
        for (int i = -settings.inspectWarmup(); i < settings.inspectRuns(); i++) {
            TimedProcess.Outcome outcome = TimedProcess.run(sha256sum);
            toolHex = outcome.stdout().split(" ")[0];

            long started = System.nanoTime();
            jdkHex = jdkSha256(zip);
            long jdkDone = System.nanoTime();
            summary = inspector.inspect(zip, limits);
            long inspected = System.nanoTime();
            if (i >= 0) {
                tool.recordValue(outcome.nanos());
                jdk.recordValue(jdkDone - started);
                inspect.recordValue(inspected - jdkDone);
            }
        }
        if (!toolHex.equals(summary.sha256Hex()) || !toolHex.equals(jdkHex)) {
            throw new IllegalStateException("the three passes disagree on the file's SHA-256: " + toolHex + ", " + jdkHex + ", "
                    + summary.sha256Hex());
        }
        Latency toolLatency = Latency.of(tool);
        Latency jdkLatency = Latency.of(jdk);
        Latency inspectLatency = Latency.of(inspect);
        double toolRate = size / 1e6 / (toolLatency.p50Ms() / 1e3);
        double jdkRate = size / 1e6 / (jdkLatency.p50Ms() / 1e3);
        double inspectRate = size / 1e6 / (inspectLatency.p50Ms() / 1e3);
        Map<String, Object> sizes = Map.of("file_bytes", size, "entries", summary.entryCount(),
                "unzipped_bytes", summary.unzippedSize());
        report.latency("inspect.sha256sum", "sha256sum binary (baseline), spawn to exit", toolLatency,
                merge(sizes, "mb_per_s", toolRate));
        report.latency("inspect.jdk_sha256", "JDK MessageDigest SHA-256, 64 KiB reads", jdkLatency, merge(sizes, "mb_per_s", jdkRate));
        report.latency("inspect.inspector", "ZipPackageInspector.inspect", inspectLatency, merge(sizes, "mb_per_s", inspectRate));
        Report.Table table = report.table("5. Zip inspection throughput",
                "One " + Format.bytes(size) + " zip of " + FILES + " random files of " + FILE_BYTES / 1024 / 1024
                        + " MiB (stored and deflated alternately), in the page cache. The three passes take turns; "
                        + settings.inspectRuns() + " measured passes each after " + settings.inspectWarmup()
                        + " warm-up; MB/s is 10⁶ bytes of zip per second at the median time.",
                "figure", "passes", "p50 time", "max time", "MB/s at p50", "throughput ÷ sha256sum");
        table.row("`sha256sum` binary (baseline; includes process spawn)", Integer.toString(settings.inspectRuns()),
                Format.millis(toolLatency.p50Ms()), Format.millis(toolLatency.maxMs()), Format.megabytesPerSecond(toolRate), "—");
        table.row("JDK SHA-256 over the file, 64 KiB reads (in-JVM baseline)", Integer.toString(settings.inspectRuns()),
                Format.millis(jdkLatency.p50Ms()), Format.millis(jdkLatency.maxMs()), Format.megabytesPerSecond(jdkRate),
                Format.ratio(report.ratio("inspect.jdk_sha256", "inspect.sha256sum", "throughput", jdkRate, toolRate)));
        table.row("**ZipPackageInspector.inspect** (SHA-256 pass + inflate every entry)", Integer.toString(settings.inspectRuns()),
                Format.millis(inspectLatency.p50Ms()), Format.millis(inspectLatency.maxMs()),
                Format.megabytesPerSecond(inspectRate),
                Format.ratio(report.ratio("inspect.inspector", "inspect.sha256sum", "throughput", inspectRate, toolRate)));
        table.note("Anchor (architecture budgets): chunk ingest ≥ 50% of `sha256sum` throughput over the same bytes; "
                + "inspection is one step of ingest, so it alone should stay well above that line.");
        double cpuPressure = pressure.percentSinceStart();
        table.note("CPU pressure during this section: " + CpuPressure.describe(cpuPressure) + ".");
        report.runFact("cpu_pressure_pct.inspect", cpuPressure);
        Files.delete(zip);
    }

    static Map<String, Object> merge(Map<String, Object> base, String key, Object value) {
        var merged = new LinkedHashMap<>(base);
        merged.put(key, value);
        return merged;
    }

    private static String jdkSha256(Path file) throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int read; (read = in.read(buffer)) >= 0; ) {
                sha256.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }
}
