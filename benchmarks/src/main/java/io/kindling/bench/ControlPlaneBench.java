package io.kindling.bench;

import io.kindling.server.KindlingServer;
import io.kindling.server.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * The benchmark: every Kindling figure, control plane and invoke, beside a baseline measured in the same
 * run on the same machine. Run it with {@code kindling bench [--quick] [--only SECTION,...] [--out DIR]} (or
 * {@code bin/bench}); it prints a Markdown table and writes {@code results.md}, {@code results.json} and
 * {@code charts/*.png} to the output directory.
 *
 * <ol>
 *   <li>baseline A: raw loopback TCP echo of 1 KB;</li>
 *   <li>baseline B: bare Jetty 12 HTTP echo of 1 KB through the SDK's HTTP client (and C, the SDK
 *       itself against a server that does nothing);</li>
 *   <li>Kindling GetFunctionConfiguration through the SDK at 1 and 8 callers;</li>
 *   <li>Kindling CreateFunction with a few-KB and a 10 MiB zip, and reads while 10 MiB packages are deployed;</li>
 *   <li>zip inspection throughput beside {@code sha256sum};</li>
 *   <li>server start beside {@code java -version};</li>
 *   <li>warm invokes of a 1 KB echo through real sandboxes beside the bare HTTP echo, and cold starts beside the
 *       same runtime started bare; both against the architecture's invoke budgets;</li>
 *   <li>async invokes: accept latency and rate beside the bare HTTP echo and one durable write, delivery throughput
 *       beside synchronous invokes, and one quiet event behind a noisy function's backlog;</li>
 *   <li>code storage: chunk ingest beside {@code sha256sum}, dedupe of a one-file change and the bytes a first invoke
 *       fetches through a real server, cold start of a 200 MiB package beside a 1 MiB one, and chunk reads per tier
 *       beside plain file reads and SHA-256;</li>
 *   <li>container images: import throughput beside {@code sha256sum} with its peak heap and scratch, bytes fetched at
 *       the first invoke of a small, a 10 GiB and a Debian python3 image, cold start of the 10 GiB image beside the
 *       small one;</li>
 *   <li>micro benchmarks (JMH) of hot paths, each beside a baseline: Runtime API routing and hand-off, a chunk read
 *       from memory and a chunk's decrypt and verify, one SigV4 verification, the assignment decision.</li>
 *   <li>density: new sandboxes per second (a runtime that exits after one event, open loop) beside the same
 *       executable spawned bare, an idle sandbox's memory beside its runtime's own RSS, and 1,000 idle sandboxes at
 *       once through provisioned concurrency.</li>
 * </ol>
 */
public final class ControlPlaneBench {
    private static final String TARGET_FUNCTION = "bench-target";

    private ControlPlaneBench() {}

    public static void main(String[] args) throws Exception {
        BenchSettings settings;
        try {
            settings = BenchSettings.parse(args, Path.of(System.getProperty("kindling.bench.defaultOut", "benchmarks/results")));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Path workDir = Files.createTempDirectory("kindling-bench-");
        // Before anything logs: Kindling's request log goes to a file here (see kindling-bench-logback.xml).
        System.setProperty("kindling.bench.requestLog", workDir.resolve("requests.log").toString());
        System.setProperty("logback.configurationFile", "kindling-bench-logback.xml");
        // The JDK keeps at most 5 idle keep-alive connections per server by default; with 8 callers the
        // other 3 would reconnect on every call. Raise it so each caller keeps its connection (the async
        // figures run 16 callers and a poller against one server; the warm invokes up to 64 callers).
        System.setProperty("http.maxConnections", "128");
        long started = System.nanoTime();
        CpuPressure pressure = CpuPressure.start();
        try {
            MachineDescription machine = MachineDescription.read();
            Report report = new Report(machine, settings);
            run(settings, workDir, report);
            report.runFact("load_average_at_end", MachineDescription.loadAverage());
            report.runFact("cpu_pressure_pct.run", pressure.percentSinceStart());
            report.runFact("wall_seconds", Math.round((System.nanoTime() - started) / 1e9));
            String markdown = report.markdown();
            System.out.println(markdown);
            report.write(settings.outDir());
            System.err.println("bench: wrote " + settings.outDir().resolve(Report.MARKDOWN) + ", "
                    + settings.outDir().resolve(Report.JSON) + " and the charts in " + settings.outDir().resolve("charts"));
        } finally {
            deleteRecursively(workDir);
        }
    }

    private static void run(BenchSettings settings, Path workDir, Report report) throws Exception {
        Path credentials = KindlingUnderTest.writeCredentials(workDir);
        if (settings.runs(BenchSettings.Section.CONTROL_PLANE)) {
            controlPlane(settings, workDir, credentials, report);
        }
        if (settings.runs(BenchSettings.Section.ZIP)) {
            new ZipInspectionBench(settings, workDir).run(report);
        }
        if (settings.runs(BenchSettings.Section.START)) {
            new ServerStartBench(settings, workDir, credentials).run(report);
        }
        if (settings.runs(BenchSettings.Section.INVOKE)) {
            new InvokeBench(settings, workDir, credentials).run(report);
        }
        if (settings.runs(BenchSettings.Section.ASYNC)) {
            new AsyncInvokeBench(settings, workDir, credentials).run(report);
        }
        if (settings.runs(BenchSettings.Section.STORAGE)) {
            new CodeStorageBench(settings, workDir, credentials).run(report);
        }
        if (settings.runs(BenchSettings.Section.IMAGES)) {
            new ImageBench(settings, workDir, credentials).run(report);
        }
        if (settings.runs(BenchSettings.Section.MICRO)) {
            new MicroBench(settings, workDir).run(report);
        }
        if (settings.runs(BenchSettings.Section.DENSITY)) {
            new DensityBench(settings, workDir, credentials).run(report);
        }
    }

    /** Figures 1–4: round trips and CreateFunction, against a signed and an unsigned server. */
    private static void controlPlane(BenchSettings settings, Path workDir, Path credentials, Report report)
            throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        long smallCreateBytes;
        long largeCreateBytes;
        try (KindlingServer kindling = KindlingUnderTest.start(workDir.resolve("kindling/data"), credentials,
                        ServerConfig.Auth.SIGV4);
                KindlingServer kindlingWithoutAuth = KindlingUnderTest.start(workDir.resolve("kindling-noauth/data"),
                        credentials, ServerConfig.Auth.NONE)) {
            // The do-nothing server answers with the very bytes Kindling answers, so record them first.
            ResponseRecorder recorder = new ResponseRecorder();
            try (LambdaClient recording = KindlingUnderTest.client(kindling.endpoint(), recorder);
                    LambdaClient withoutAuth = KindlingUnderTest.client(kindlingWithoutAuth.endpoint())) {
                byte[] zip = ZipFixtures.smallFunction(random, CreateFunctionBench.SMALL_DATA_BYTES);
                withoutAuth.createFunction(KindlingUnderTest.createRequest(TARGET_FUNCTION, zip));
                KindlingUnderTest.awaitActive(withoutAuth, TARGET_FUNCTION, 5);
                byte[] large = ZipFixtures.largeFunction(new ZipFixtures.StoredEntry(
                        ZipFixtures.randomBytes(random, CreateFunctionBench.LARGE_PAYLOAD_BYTES)), "sample");
                recording.createFunction(KindlingUnderTest.createRequest("bench-sample-large", large));
                largeCreateBytes = recorder.requestSize("CreateFunction");
                recording.createFunction(KindlingUnderTest.createRequest(TARGET_FUNCTION, zip));
                smallCreateBytes = recorder.requestSize("CreateFunction");
                KindlingUnderTest.awaitActive(recording, TARGET_FUNCTION, 5);
                recording.getFunctionConfiguration(r -> r.functionName(TARGET_FUNCTION));
            }
            try (BareJettyServer bareJetty = new BareJettyServer(recorder.answer("GetFunctionConfiguration"),
                            recorder.answer("CreateFunction"));
                    LoopbackEchoServer tcpEcho = new LoopbackEchoServer(RoundTripBench.MESSAGE_BYTES)) {
                Latency quietRead = new RoundTripBench(settings, tcpEcho, bareJetty, kindling.endpoint(),
                        kindlingWithoutAuth.endpoint(), TARGET_FUNCTION).run(report);
                new CreateFunctionBench(settings, bareJetty, kindling.endpoint(), smallCreateBytes, largeCreateBytes,
                        TARGET_FUNCTION, quietRead).run(report);
            }
        }
        deleteRecursively(workDir.resolve("kindling"));
        deleteRecursively(workDir.resolve("kindling-noauth"));
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
