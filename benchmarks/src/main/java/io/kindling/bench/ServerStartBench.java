package io.kindling.bench;

import io.kindling.server.KindlingServer;
import io.kindling.server.ServerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * Figure 6: how long until a new server answers /health, on an empty data directory and on one
 * holding many functions. Two ways: {@code KindlingServer.start()} in this (warm) JVM, and
 * {@code kindling serve} as a new process, the way an operator starts it. The baseline is the
 * JVM's own start: {@code java -version} from spawn to exit.
 */
final class ServerStartBench {
    private static final int POPULATING_CALLERS = 8;
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(60);

    private final BenchSettings settings;
    private final Path workDir;
    private final Path credentials;
    private final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private int freshDirs;

    ServerStartBench(BenchSettings settings, Path workDir, Path credentials) {
        this.settings = settings;
        this.workDir = workDir;
        this.credentials = credentials;
    }

    void run(Report report) throws Exception {
        Path populated = workDir.resolve("populated");
        double populateSeconds = populate(populated, settings.functionsForStart());
        report.runFact("populate_functions", settings.functionsForStart());
        report.runFact("populate_seconds_8_callers", populateSeconds);

        CpuPressure pressure = CpuPressure.start();
        Histogram javaVersion = Latency.newHistogram();
        RoundTripBench.progress("java -version: 1 warm-up + " + settings.processRuns() + " runs");
        TimedProcess.run(List.of(java, "-version"));
        for (int i = 0; i < settings.processRuns(); i++) {
            javaVersion.recordValue(TimedProcess.run(List.of(java, "-version")).nanos());
        }

        RoundTripBench.progress("server start in this JVM: 1 warm-up + " + settings.startRuns() + " runs per data directory");
        Histogram inProcessFresh = Latency.newHistogram();
        Histogram inProcessPopulated = Latency.newHistogram();
        startInProcess(freshDir());
        startInProcess(populated);
        for (int i = 0; i < settings.startRuns(); i++) {
            inProcessFresh.recordValue(startInProcess(freshDir()));
            inProcessPopulated.recordValue(startInProcess(populated));
        }

        RoundTripBench.progress("kindling serve processes: " + settings.startRuns() + " runs per data directory");
        Histogram processFresh = Latency.newHistogram();
        Histogram processPopulated = Latency.newHistogram();
        for (int i = 0; i < settings.startRuns(); i++) {
            processFresh.recordValue(startProcess(freshDir(), "fresh-" + i));
            processPopulated.recordValue(startProcess(populated, "populated-" + i));
        }

        String many = String.format("%,d functions", settings.functionsForStart());
        Latency baseline = Latency.of(javaVersion);
        Report.Table table = report.table("6. Server start until /health answers",
                "In this JVM: from the `KindlingServer.start()` call until `GET /health` (bare socket, polled every ms) "
                        + "answers 200, after one unmeasured start per data directory (classes loaded, JIT warm). As a process: "
                        + "from spawning `java -cp … io.kindling.cli.Kindling serve` until /health answers (cold JVM). "
                        + "Empty data directory = a new one each run; the " + many + " were created through the API before "
                        + "(" + String.format("%.1f", populateSeconds) + " s with " + POPULATING_CALLERS + " callers), each "
                        + "with its own few-KB zip. The kinds take turns run by run.",
                "figure", "runs", "p50", "max", "p50 ÷ java -version");
        table.row("`java -version`, spawn to exit (baseline)", count(baseline), Format.millis(baseline.p50Ms()),
                Format.millis(baseline.maxMs()), "—");
        Map<String, Latency> lines = new LinkedHashMap<>();
        lines.put("java -version, spawn to exit (baseline)", baseline);
        lines.putAll(row(report, table, "start.in_process.empty", "**KindlingServer.start() → /health**, empty data dir",
                Latency.of(inProcessFresh), baseline));
        lines.putAll(row(report, table, "start.in_process.populated", "**KindlingServer.start() → /health**, " + many,
                Latency.of(inProcessPopulated), baseline));
        lines.putAll(row(report, table, "start.process.empty", "`kindling serve` spawn → /health, empty data dir",
                Latency.of(processFresh), baseline));
        lines.putAll(row(report, table, "start.process.populated", "`kindling serve` spawn → /health, " + many,
                Latency.of(processPopulated), baseline));
        table.chart("6-server-start", Charts.percentiles("6. Server start until /health answers",
                "in this JVM and as a process, empty and with " + many + ", beside java -version", lines));
        report.latency("start.java_version", "java -version, spawn to exit (baseline)", baseline, Map.of());
        double cpuPressure = pressure.percentSinceStart();
        table.note("CPU pressure during this section (after populating): " + CpuPressure.describe(cpuPressure) + ".");
        report.runFact("cpu_pressure_pct.start", cpuPressure);
    }

    /** Adds the row and returns it as a chart's line. */
    private Map<String, Latency> row(Report report, Report.Table table, String id, String label, Latency latency,
                                     Latency baseline) {
        report.latency(id, label.replace("*", ""), latency, Map.of());
        table.row(label, count(latency), Format.millis(latency.p50Ms()), Format.millis(latency.maxMs()),
                Format.ratio(report.ratio(id, "start.java_version", "p50", latency.p50Ms(), baseline.p50Ms())));
        return Map.of(Charts.legend(label), latency);
    }

    private Path freshDir() {
        return workDir.resolve("fresh-" + freshDirs++).resolve("data");
    }

    /** Creates {@code functions} functions through the API, then stops the server (which waits for unpacking). */
    private double populate(Path dataDir, int functions) throws Exception {
        RoundTripBench.progress("creating " + functions + " functions for the start figures");
        long started = System.nanoTime();
        try (KindlingServer server = KindlingUnderTest.start(dataDir, credentials, ServerConfig.Auth.SIGV4);
                LambdaClient lambda = KindlingUnderTest.client(server.endpoint())) {
            ExecutorService callers = Executors.newFixedThreadPool(POPULATING_CALLERS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int caller = 0; caller < POPULATING_CALLERS; caller++) {
                    int first = caller;
                    done.add(callers.submit(() -> {
                        SplittableRandom random = new SplittableRandom(100 + first);
                        for (int i = first; i < functions; i += POPULATING_CALLERS) {
                            lambda.createFunction(KindlingUnderTest.createRequest("many-" + i,
                                    ZipFixtures.smallFunction(random, CreateFunctionBench.SMALL_DATA_BYTES)));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                callers.shutdown();
                callers.awaitTermination(1, TimeUnit.MINUTES);
            }
        }
        return (System.nanoTime() - started) / 1e9;
    }

    private long startInProcess(Path dataDir) throws Exception {
        long started = System.nanoTime();
        KindlingServer server = KindlingUnderTest.start(dataDir, credentials, ServerConfig.Auth.SIGV4);
        try {
            HealthProbe.awaitHealthy(server.port(), HEALTH_TIMEOUT, null);
            return System.nanoTime() - started;
        } finally {
            server.close();
        }
    }

    private long startProcess(Path dataDir, String name) throws Exception {
        int port = freePort();
        Path log = workDir.resolve("serve-" + name + ".log");
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "io.kindling.cli.Kindling", "serve", "--data-dir", dataDir.toString(),
                "--port", Integer.toString(port), "--account-id", KindlingUnderTest.ACCOUNT, "--credentials",
                credentials.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        long started = System.nanoTime();
        Process process = builder.start();
        try {
            HealthProbe.awaitHealthy(port, HEALTH_TIMEOUT, process);
            return System.nanoTime() - started;
        } catch (IOException e) {
            throw new IOException(e.getMessage() + "; its output is in " + log, e);
        } finally {
            process.destroy(); // SIGTERM: the graceful stop an operator's Ctrl-C gives
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private static String count(Latency latency) {
        return Long.toString(latency.count());
    }
}
