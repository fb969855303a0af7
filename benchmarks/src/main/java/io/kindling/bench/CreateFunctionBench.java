package io.kindling.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.CreateFunctionRequest;

/**
 * Figure 4: CreateFunction end to end through the SDK, one caller, a unique function name and a
 * package the code store has never seen on every call. Each Kindling call is followed (untimed)
 * by polling until the function is Active, so background unpacking of one call does not overlap
 * the next. Beside it, interleaved call by call: the same number of request bytes POSTed raw to
 * the bare Jetty server, and the SDK's CreateFunction against the bare Jetty server.
 */
final class CreateFunctionBench {
    static final int SMALL_DATA_BYTES = 3 * 1024;
    static final int LARGE_PAYLOAD_BYTES = 10 * 1024 * 1024;
    private static final long ACTIVE_POLL_MILLIS = 2;

    private final BenchSettings settings;
    private final BareJettyServer bareJetty;
    private final String kindlingEndpoint;
    private final long smallRequestBytes;
    private final long largeRequestBytes;
    private final String readFunction;
    private final Latency quietRead;
    private final SplittableRandom random = new SplittableRandom(4);

    /**
     * @param smallRequestBytes size of the SDK's CreateFunction body for the small package
     * @param largeRequestBytes same for the 10 MiB package
     * @param readFunction      an existing function, read while large packages are being created
     * @param quietRead         GetFunctionConfiguration of it at 1 caller on a quiet server (figure K)
     */
    CreateFunctionBench(BenchSettings settings, BareJettyServer bareJetty, String kindlingEndpoint, long smallRequestBytes,
                        long largeRequestBytes, String readFunction, Latency quietRead) {
        this.settings = settings;
        this.bareJetty = bareJetty;
        this.kindlingEndpoint = kindlingEndpoint;
        this.smallRequestBytes = smallRequestBytes;
        this.largeRequestBytes = largeRequestBytes;
        this.readFunction = readFunction;
        this.quietRead = quietRead;
    }

    private interface PackageMaker {
        byte[] make(int index) throws Exception;
    }

    private record Figures(Latency rawUpload, Latency sdkFloor, Latency kindling, Latency untilActive, long zipBytes) {}

    void run(Report report) throws Exception {
        CpuPressure pressure = CpuPressure.start();
        Figures small;
        Figures large;
        ReadsBesideCreates reads;
        ZipFixtures.StoredEntry payload = new ZipFixtures.StoredEntry(ZipFixtures.randomBytes(random, LARGE_PAYLOAD_BYTES));
        try (SdkHttpClient http = UrlConnectionHttpClient.builder().build();
                LambdaClient sdkToBareJetty = KindlingUnderTest.client(bareJetty.endpoint());
                LambdaClient sdkToKindling = KindlingUnderTest.client(kindlingEndpoint)) {
            small = measure("small", settings.createWarmup(), settings.smallCreates(), smallRequestBytes,
                    i -> ZipFixtures.smallFunction(random, SMALL_DATA_BYTES), http, sdkToBareJetty, sdkToKindling);
            large = measure("10MiB", Math.max(1, settings.createWarmup() / 5), settings.largeCreates(), largeRequestBytes,
                    i -> ZipFixtures.largeFunction(payload, "large-" + i), http, sdkToBareJetty, sdkToKindling);
            reads = readsDuringLargeCreates(payload, sdkToKindling);
        }
        Report.Table table = report.table("4. CreateFunction through the SDK",
                "One caller; unique names; every package new to the code store (random bytes). Per package size, the three "
                        + "calls take turns call by call. Kindling's figure is the CreateFunction call (upload, SigV4, zip "
                        + "inspection, store with fsync, registry commit with fsync); \"until Active\" adds the background unpack, "
                        + "seen by polling GetFunctionConfiguration every " + ACTIVE_POLL_MILLIS + " ms.",
                "figure", "zip", "request body", "n", "p50", "p99", "p50 ÷ raw upload", "p50 ÷ SDK floor", "p99 ÷ SDK floor");
        row(report, table, "create.small", "a few KB", small, smallRequestBytes);
        row(report, table, "create.10mib", "10 MiB", large, largeRequestBytes);
        table.note("All three calls here send their body through the SDK's url-connection client, so each pays the same "
                + "up-to-1 ms connection probe (see B′ above).");
        double cpuPressure = pressure.percentSinceStart();
        table.note("CPU pressure during this section: " + CpuPressure.describe(cpuPressure) + ".");
        report.runFact("cpu_pressure_pct.create", cpuPressure);
        renderReads(report, reads);
    }

    private record ReadsBesideCreates(int creates, Latency bareJetty, Latency kindling) {}

    /** One caller reading in a closed loop until told to stop; its histogram is complete once its thread has ended. */
    private static final class ReadingCaller implements Runnable {
        private final LambdaClient lambda;
        private final String function;
        private final Histogram histogram = Latency.newHistogram();
        private volatile boolean stop;
        private volatile RuntimeException failure;

        ReadingCaller(LambdaClient lambda, String function) {
            this.lambda = lambda;
            this.function = function;
        }

        @Override
        public void run() {
            try {
                while (!stop) {
                    long started = System.nanoTime();
                    lambda.getFunctionConfiguration(r -> r.functionName(function));
                    histogram.recordValue(System.nanoTime() - started);
                }
            } catch (RuntimeException e) {
                failure = e;
            }
        }
    }

    /**
     * Figure 4b: GetFunctionConfiguration from one caller while another deploys 10 MiB packages back to back
     * (not waiting for Active), beside the same SDK call answered by the bare Jetty server at the same time,
     * which suffers the same CPU contention but touches no registry.
     */
    private ReadsBesideCreates readsDuringLargeCreates(ZipFixtures.StoredEntry payload, LambdaClient sdkToKindling)
            throws Exception {
        int creates = Math.max(2, settings.largeCreates() / 2);
        RoundTripBench.progress("reads beside " + creates + " back-to-back 10 MiB CreateFunction calls");
        try (LambdaClient readerToKindling = KindlingUnderTest.client(kindlingEndpoint);
                LambdaClient readerToBareJetty = KindlingUnderTest.client(bareJetty.endpoint())) {
            ReadingCaller kindling = new ReadingCaller(readerToKindling, readFunction);
            ReadingCaller bare = new ReadingCaller(readerToBareJetty, readFunction);
            Thread kindlingThread = Thread.ofPlatform().name("reader-kindling").start(kindling);
            Thread bareThread = Thread.ofPlatform().name("reader-bare-jetty").start(bare);
            try {
                for (int i = 0; i < creates; i++) {
                    byte[] zip = ZipFixtures.largeFunction(payload, "beside-reads-" + i);
                    sdkToKindling.createFunction(KindlingUnderTest.createRequest("beside-reads-" + i, zip));
                }
            } finally {
                kindling.stop = true;
                bare.stop = true;
                kindlingThread.join();
                bareThread.join();
            }
            for (ReadingCaller caller : new ReadingCaller[] {kindling, bare}) {
                if (caller.failure != null) {
                    throw caller.failure;
                }
            }
            return new ReadsBesideCreates(creates, Latency.of(bare.histogram), Latency.of(kindling.histogram));
        }
    }

    private void renderReads(Report report, ReadsBesideCreates reads) {
        report.latency("reads_beside_creates.bare_jetty", "SDK GetFunctionConfiguration → bare Jetty during 10 MiB creates",
                reads.bareJetty(), Map.of("creates", reads.creates()));
        report.latency("reads_beside_creates.kindling", "Kindling GetFunctionConfiguration during 10 MiB creates",
                reads.kindling(), Map.of("creates", reads.creates()));
        Report.Table table = report.table("4b. Reads while 10 MiB packages are being deployed",
                "Two readers, each one caller in a closed loop, while a third caller sends " + reads.creates()
                        + " CreateFunction calls with new 10 MiB packages back to back (not waiting for Active): one reader "
                        + "asks Kindling for GetFunctionConfiguration, the other asks the bare Jetty server the same through "
                        + "the SDK (same CPU contention, no registry). Quiet K is figure K above (same run).",
                "figure", "n", "p50", "p99", "max", "p99 ÷ bare Jetty beside creates", "p99 ÷ quiet K");
        table.row("SDK GetFunctionConfiguration → bare Jetty, beside creates (baseline)", count(reads.bareJetty()),
                Format.millis(reads.bareJetty().p50Ms()), Format.millis(reads.bareJetty().p99Ms()),
                Format.millis(reads.bareJetty().maxMs()), "—", "—");
        table.row("**Kindling GetFunctionConfiguration, beside creates**", count(reads.kindling()),
                Format.millis(reads.kindling().p50Ms()), Format.millis(reads.kindling().p99Ms()),
                Format.millis(reads.kindling().maxMs()),
                Format.ratio(report.ratio("reads_beside_creates.kindling", "reads_beside_creates.bare_jetty", "p99",
                        reads.kindling().p99Ms(), reads.bareJetty().p99Ms())),
                Format.ratio(report.ratio("reads_beside_creates.kindling", "roundtrip.K.c1", "p99",
                        reads.kindling().p99Ms(), quietRead.p99Ms())));
        table.row("Kindling GetFunctionConfiguration, quiet (K, 1 caller, from above)", count(quietRead),
                Format.millis(quietRead.p50Ms()), Format.millis(quietRead.p99Ms()), Format.millis(quietRead.maxMs()), "—", "—");
        Map<String, Latency> lines = new LinkedHashMap<>();
        lines.put("SDK GetFunctionConfiguration → bare Jetty, beside creates (baseline)", reads.bareJetty());
        lines.put("Kindling GetFunctionConfiguration, beside creates", reads.kindling());
        lines.put("Kindling GetFunctionConfiguration, quiet (K, 1 caller)", quietRead);
        table.chart("4b-reads-beside-creates", Charts.percentiles("4b. Reads while 10 MiB packages are being deployed",
                "each read at the client, one caller per reader, " + reads.creates() + " CreateFunction calls beside them",
                lines));
    }

    private Figures measure(String name, int warmup, int count, long requestBytes, PackageMaker packages, SdkHttpClient http,
                            LambdaClient sdkToBareJetty, LambdaClient sdkToKindling) throws Exception {
        byte[] rawBody = ZipFixtures.randomBytes(random, Math.toIntExact(requestBytes));
        RawHttpPost rawUpload = new RawHttpPost(http, bareJetty.endpoint() + "/upload", rawBody, 201);
        Histogram raw = Latency.newHistogram();
        Histogram floor = Latency.newHistogram();
        Histogram kindling = Latency.newHistogram();
        Histogram untilActive = Latency.newHistogram();
        long zipBytes = 0;
        RoundTripBench.progress("CreateFunction " + name + ": " + warmup + " warm-up + " + count + " measured calls of each");
        for (int i = -warmup; i < count; i++) {
            boolean record = i >= 0;
            byte[] zip = packages.make(i + warmup);
            zipBytes = zip.length;
            String function = "create-" + name + "-" + (i + warmup);
            CreateFunctionRequest request = KindlingUnderTest.createRequest(function, zip);

            long started = System.nanoTime();
            rawUpload.run();
            long rawDone = System.nanoTime();
            sdkToBareJetty.createFunction(request);
            long floorDone = System.nanoTime();

            long kindlingStarted = System.nanoTime();
            sdkToKindling.createFunction(request);
            long created = System.nanoTime();
            KindlingUnderTest.awaitActive(sdkToKindling, function, ACTIVE_POLL_MILLIS);
            long active = System.nanoTime();
            if (record) {
                raw.recordValue(rawDone - started);
                floor.recordValue(floorDone - rawDone);
                kindling.recordValue(created - kindlingStarted);
                untilActive.recordValue(active - kindlingStarted);
            }
        }
        return new Figures(Latency.of(raw), Latency.of(floor), Latency.of(kindling), Latency.of(untilActive), zipBytes);
    }

    private static void row(Report report, Report.Table table, String id, String zipLabel, Figures f, long requestBytes) {
        String zip = zipLabel + " (" + Format.bytes(f.zipBytes()) + ")";
        String body = Format.bytes(requestBytes);
        Map<String, Object> sizes = Map.of("zip_bytes", f.zipBytes(), "request_bytes", requestBytes);
        report.latency(id + ".raw_upload", "raw HTTP POST of the same request bytes to bare Jetty (baseline)", f.rawUpload(), sizes);
        report.latency(id + ".sdk_floor", "SDK CreateFunction → bare Jetty, canned answer (SDK floor)", f.sdkFloor(), sizes);
        report.latency(id + ".kindling", "Kindling CreateFunction", f.kindling(), sizes);
        report.latency(id + ".until_active", "Kindling CreateFunction call until State Active seen", f.untilActive(), sizes);
        table.row("raw HTTP POST of the same bytes → bare Jetty (baseline)", zip, body, count(f.rawUpload()),
                Format.millis(f.rawUpload().p50Ms()), Format.millis(f.rawUpload().p99Ms()), "—", "—", "—");
        table.row("SDK CreateFunction → bare Jetty, canned answer (SDK floor)", zip, body, count(f.sdkFloor()),
                Format.millis(f.sdkFloor().p50Ms()), Format.millis(f.sdkFloor().p99Ms()),
                Format.ratio(report.ratio(id + ".sdk_floor", id + ".raw_upload", "p50", f.sdkFloor().p50Ms(), f.rawUpload().p50Ms())),
                "—", "—");
        table.row("**Kindling CreateFunction**", zip, body, count(f.kindling()),
                Format.millis(f.kindling().p50Ms()), Format.millis(f.kindling().p99Ms()),
                Format.ratio(report.ratio(id + ".kindling", id + ".raw_upload", "p50", f.kindling().p50Ms(), f.rawUpload().p50Ms())),
                Format.ratio(report.ratio(id + ".kindling", id + ".sdk_floor", "p50", f.kindling().p50Ms(), f.sdkFloor().p50Ms())),
                Format.ratio(report.ratio(id + ".kindling", id + ".sdk_floor", "p99", f.kindling().p99Ms(), f.sdkFloor().p99Ms())));
        table.row("Kindling CreateFunction until State Active", zip, body, count(f.untilActive()),
                Format.millis(f.untilActive().p50Ms()), Format.millis(f.untilActive().p99Ms()),
                Format.ratio(report.ratio(id + ".until_active", id + ".raw_upload", "p50", f.untilActive().p50Ms(),
                        f.rawUpload().p50Ms())),
                Format.ratio(report.ratio(id + ".until_active", id + ".sdk_floor", "p50", f.untilActive().p50Ms(),
                        f.sdkFloor().p50Ms())),
                Format.ratio(report.ratio(id + ".until_active", id + ".sdk_floor", "p99", f.untilActive().p99Ms(),
                        f.sdkFloor().p99Ms())));
        Map<String, Latency> lines = new LinkedHashMap<>();
        lines.put("raw HTTP POST of the same bytes → bare Jetty (baseline)", f.rawUpload());
        lines.put("SDK CreateFunction → bare Jetty, canned answer (SDK floor)", f.sdkFloor());
        lines.put("Kindling CreateFunction", f.kindling());
        lines.put("Kindling CreateFunction until State Active", f.untilActive());
        table.chart("4-" + id.replace('.', '-').replace('_', '-'), Charts.percentiles("4. CreateFunction, " + zip,
                "each call at the client, " + body + " request; Kindling beside the same bytes posted raw and the SDK "
                        + "against a server that does nothing", lines));
    }

    private static String count(Latency latency) {
        return String.format("%,d", latency.count());
    }
}
