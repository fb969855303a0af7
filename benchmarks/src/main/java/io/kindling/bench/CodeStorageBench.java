package io.kindling.bench;

import io.kindling.server.ChunkStoreConfig;
import io.kindling.server.KindlingServer;
import io.kindling.server.ServerConfig;
import io.kindling.server.WorkerConfig;
import io.kindling.wire.StorageStats;
import io.kindling.worker.sandbox.BubblewrapConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * Figure 10: code storage, issue 5's figures. Function code is kept as a deterministic EROFS image cut into encrypted
 * content-defined chunks, and a worker mounts the image and reads chunks as the sandbox touches them.
 *
 * <ol>
 *   <li><b>10. Ingest</b> ({@link ChunkIngestBench}): chunking, encrypting and storing a file beside {@code sha256sum}
 *       over the same bytes.</li>
 *   <li><b>10b. Dedupe</b>, through a real server: what an upload adds to the chunk store, from the storage API's
 *       totals ({@code GET /kindling/2026-11-27/storage}): a 200 MiB package ({@code --quick}: 64 MiB), the same with
 *       one small file added, and the same files in a rebuilt zip.</li>
 *   <li><b>10c. Lazy loading</b>: the bytes the worker fetched for the first (cold) invoke of a small handler in that
 *       200 MiB package, and in a 1 MiB one, each on a server that has read nothing yet (the storage API's tier
 *       counters).</li>
 *   <li><b>10d. Cold start by package size</b>: the first invoke of new code in the 200 MiB package and in the 1 MiB
 *       one, taking turns, beside a cold start of the same code whose image is still mounted and the same bootstrap
 *       started bare.</li>
 *   <li><b>10e. Chunk reads per tier</b> ({@link ChunkReadBench}), in this JVM.</li>
 * </ol>
 * Then the code-storage budgets, figure by figure.
 *
 * <p>The server figures run the C echo runtime of {@link ProvidedBootstraps} (the sh one without gcc; the tables say
 * which) at 1,769 MB on servers with {@code --auth none}, their own sandbox names and data directories; when this
 * machine cannot run sandboxes, store images or mount them, those tables say why and the run goes on.
 */
final class CodeStorageBench {
    static final String PREFIX = "kbench-storage";
    /** Issue 5's budget: a cold start of a 200 MB package within this factor of a 1 MB package's. */
    static final double COLD_RATIO_BUDGET = 1.3;
    /** The architecture's budget for a {@code provided} runtime's cold start, p50 and p99 (ms). */
    static final double PROVIDED_COLD_P50_MS = 50;
    static final double PROVIDED_COLD_P99_MS = 100;
    /** The architecture's budget for a large image with a small handler (its line is drawn at 10 GiB). */
    static final double LARGE_IMAGE_READ_BUDGET = 0.01;
    /**
     * After its last environment retired, an image is unmounted this much later (the default is a minute): long enough
     * for a cold start of the same code right after its environment is gone to find the image mounted, short enough
     * that the benchmark can wait for every unmount to finish, so no sample has another image's unmount beside it.
     */
    private static final Duration UNMOUNT_GRACE = Duration.ofSeconds(1);
    private static final Duration MOUNTS_GONE_TIMEOUT = Duration.ofSeconds(60);
    private static final long UPDATE_POLL_MILLIS = 20;

    private static final String BIG = "storage-big";
    private static final String SMALL = "storage-small";
    /**
     * The large package's files besides its bootstrap, in percent of its size, each from its own seed, as a package
     * holds libraries and data of different sizes; none is read by the handler.
     */
    private static final List<PackageFile> BIG_FILES = List.of(new PackageFile("lib/libcore.so", 32),
            new PackageFile("lib/libml.so", 24), new PackageFile("lib/libui.so", 20),
            new PackageFile("share/model.bin", 16), new PackageFile("share/assets.pak", 8));
    /** The one file the update adds; it sorts between libcore.so and libml.so, so it lands inside the blob. */
    private static final String ADDED_FILE = "lib/libextra.so";
    private static final int ADDED_FILE_BYTES = 16 << 10;
    private static final String SMALL_FILE = "lib/data.bin";
    private static final int SMALL_FILE_BYTES = 1 << 20;

    private record PackageFile(String name, int percent) {}

    /** This host cannot give the server figures: the reason goes into the report. */
    private static final class NotMeasurable extends Exception {
        private static final long serialVersionUID = 1L;

        NotMeasurable(String message) {
            super(message);
        }
    }

    /**
     * One upload and what it added to the chunk store.
     *
     * @param image        the image's size (logical bytes added)
     * @param stored       encrypted bytes the origin gained
     * @param chunks       chunks the origin gained
     * @param activateNanos from the call until the function could be invoked (unpack, mkfs.erofs, ingest)
     */
    private record Upload(String id, String label, long zipBytes, long image, long stored, long chunks, long activateNanos,
                          StorageStats after) {
        double storedShare() {
            return (double) stored / image;
        }
    }

    /** A package's first invoke on a server that had read no chunk. */
    private record FirstInvoke(String id, String label, Upload deploy, long fetched, long reads, long invokeNanos) {
        double share() {
            return (double) fetched / deploy.image();
        }
    }

    /** One cold invoke: sent → answered, sent → the sandbox driver began, bytes fetched below memory meanwhile. */
    private record ColdSample(long totalNanos, long toSandboxNanos, long fetchedBytes) {}

    /**
     * One function's cold starts with new code each time: the whole, the way to the sandbox driver's start (the image's
     * mount among it) and the rest, and the bytes fetched for each.
     */
    private record ColdSeries(String id, String label, Histogram total, Histogram toSandbox, Histogram fromSandbox,
                              List<Long> fetched) {
        ColdSeries(String id, String label) {
            this(id, label, Latency.newHistogram(), Latency.newHistogram(), Latency.newHistogram(), new ArrayList<>());
        }

        void record(ColdSample sample) {
            total.recordValue(sample.totalNanos());
            toSandbox.recordValue(sample.toSandboxNanos());
            fromSandbox.recordValue(sample.totalNanos() - sample.toSandboxNanos());
            fetched.add(sample.fetchedBytes());
        }

        long medianFetched() {
            return fetched.stream().sorted().skip((fetched.size() - 1) / 2).findFirst().orElse(0L);
        }
    }

    /** Table 10d's series: the two packages' cold starts of new code, the small one's with its image mounted, bare. */
    private record ColdStarts(ColdSeries small, ColdSeries big, ColdSeries mounted, Latency bare) {}

    /** What the budget table needs from the server figures. */
    private record ServerFigures(String large, List<Upload> uploads, FirstInvoke small, FirstInvoke big,
                                 ColdStarts cold) {}

    /** The runtime the server figures run, and a package of it with any files. */
    private record Packages(ProvidedBootstraps.Bootstrap bootstrap, byte[] executable, List<CodePackages.DeflatedFile> big,
                            CodePackages.DeflatedFile added, CodePackages.DeflatedFile small) {
        byte[] zip(String version, List<CodePackages.DeflatedFile> files, Instant built) throws IOException {
            return CodePackages.zip(CodePackages.bootstrap(executable, version), files, built);
        }

        List<CodePackages.DeflatedFile> bigWithAdded() {
            List<CodePackages.DeflatedFile> files = new ArrayList<>(big);
            files.add(added);
            return files;
        }

        long bigBytes() {
            return big.stream().mapToLong(CodePackages.DeflatedFile::size).sum();
        }

        /** e.g. {@code 200 MiB}. */
        String largeLabel() {
            return Math.round(bigBytes() / (double) (1 << 20)) + " MiB";
        }
    }

    private final BenchSettings settings;
    private final Path workDir;
    private final Path credentials;
    private final byte[] event = WarmInvokeBench.event();

    CodeStorageBench(BenchSettings settings, Path workDir, Path credentials) {
        this.settings = settings;
        this.workDir = workDir;
        this.credentials = credentials;
    }

    void run(Report report) throws Exception {
        ChunkIngestBench.Result ingest = new ChunkIngestBench(settings, workDir).run(report);
        ServerFigures server = serverFigures(report);
        new ChunkReadBench(settings, workDir).run(report);
        budgets(report, ingest, server);
    }

    // ---- 10b, 10c, 10d: through a server ----

    /** Null when this host cannot give them (the report says why). */
    private ServerFigures serverFigures(Report report) throws Exception {
        Packages packages = packages();
        String large = packages.largeLabel();
        Path serverDirs = InvokeBench.sandboxReachableDir("kindling-bench-storage-");
        try (SandboxStartLog startLog = new SandboxStartLog()) {
            FirstInvoke small;
            // Its own server, so no chunk of the large package's bootstrap is in memory yet.
            try (KindlingServer server = start(serverDirs.resolve("first-invoke"));
                    LambdaClient lambda = KindlingUnderTest.client(server.endpoint())) {
                KindlingStorage storage = new KindlingStorage(server.endpoint());
                Upload deploy = create(lambda, storage, KindlingStorage.FRESH, SMALL, "storage.deploy.small", "1 MiB package",
                        packages.zip("first", List.of(packages.small()), CodePackages.BUILT), packages.bootstrap());
                small = firstInvoke(server, storage, SMALL, packages.bootstrap(), deploy, "storage.first_invoke.small",
                        "1 MiB package (bootstrap + a 1 MiB file)");
            }
            Path dataDir = serverDirs.resolve("data");
            try (KindlingServer server = start(dataDir);
                    LambdaClient lambda = KindlingUnderTest.client(server.endpoint())) {
                KindlingStorage storage = new KindlingStorage(server.endpoint());
                List<Upload> uploads = new ArrayList<>();
                uploads.add(create(lambda, storage, KindlingStorage.FRESH, BIG, "storage.dedupe.first", "first deploy of the "
                                + BIG_FILES.size() + " files and the bootstrap, nothing stored yet (baseline)",
                        packages.zip("first", packages.big(), CodePackages.BUILT), packages.bootstrap()));
                FirstInvoke big = firstInvoke(server, storage, BIG, packages.bootstrap(), uploads.getFirst(),
                        "storage.first_invoke.big", "**" + large + " package** (bootstrap + " + BIG_FILES.size()
                                + " files)");
                RoundTripBench.progress("storage: dedupe of a one-file change and of a rebuilt zip");
                uploads.add(update(lambda, storage, uploads.getLast().after(), BIG, "storage.dedupe.one_file_added",
                        "**one file added** (" + ADDED_FILE_BYTES / 1024 + " KiB of random bytes, `" + ADDED_FILE + "`)",
                        packages.zip("first", packages.bigWithAdded(), CodePackages.BUILT)));
                uploads.add(update(lambda, storage, uploads.getLast().after(), BIG, "storage.dedupe.rezipped",
                        "**the same files, zip rebuilt** (entries dated a day later: a new package SHA-256, the same "
                                + "image)", packages.zip("first", packages.bigWithAdded(),
                                CodePackages.BUILT.plus(Duration.ofDays(1)))));
                renderDedupe(report, uploads, packages);
                renderFirstInvokes(report, List.of(small, big), packages);
                ColdStarts cold = coldStarts(report, server, dataDir, lambda, storage, startLog, packages);
                return new ServerFigures(large, uploads, small, big, cold);
            }
        } catch (NotMeasurable e) {
            skipped(report, e.getMessage());
            return null;
        } finally {
            ControlPlaneBench.deleteRecursively(serverDirs);
        }
    }

    private Packages packages() throws Exception {
        ProvidedBootstraps.Bootstrap bootstrap;
        Path runtimes = workDir.resolve("runtimes-storage");
        try {
            bootstrap = ProvidedBootstraps.compiled(runtimes);
        } catch (IOException e) {
            RoundTripBench.progress("storage: no C runtime, the sh one instead: " + e.getMessage());
            bootstrap = ProvidedBootstraps.shell(runtimes);
        }
        // The C and sh runtimes' bare command is the bootstrap itself.
        byte[] executable = Files.readAllBytes(Path.of(bootstrap.bare().command().getFirst()));
        long largeBytes = (long) settings.largePackageMebibytes() << 20;
        RoundTripBench.progress("storage: deflating the " + settings.largePackageMebibytes() + " MiB package's files");
        List<CodePackages.DeflatedFile> big = new ArrayList<>();
        long seed = 21;
        for (PackageFile file : BIG_FILES) {
            big.add(CodePackages.twoValued(file.name(), largeBytes * file.percent() / 100, seed++));
        }
        SplittableRandom random = new SplittableRandom(17);
        return new Packages(bootstrap, executable, big,
                CodePackages.file(ADDED_FILE, ZipFixtures.randomBytes(random, ADDED_FILE_BYTES)),
                CodePackages.file(SMALL_FILE, ZipFixtures.randomBytes(random, SMALL_FILE_BYTES)));
    }

    /**
     * Without mounting ahead: 10c and 10d measure what the first invoke of new code reads and waits for when its image
     * is not mounted yet (as after the unmount grace); with mounting ahead the metadata part would move to activation.
     */
    private KindlingServer start(Path dataDir) throws Exception {
        return KindlingUnderTest.start(dataDir, credentials, ServerConfig.Auth.NONE,
                WorkerConfig.defaults().withNamePrefix(PREFIX).withLifecycle(ColdStartBench.retireQuickly())
                        .withoutMountAhead(),
                ChunkStoreConfig.defaults().withUnmountGrace(UNMOUNT_GRACE));
    }

    /**
     * CreateFunction, measured against the store as {@code before} says it was: {@link KindlingStorage#FRESH} on a new
     * server, else the previous upload's {@link Upload#after}. Not a new answer: that may compute the totals afresh,
     * and then they stay cached for 5 s, which this upload would have to wait out.
     */
    private static Upload create(LambdaClient lambda, KindlingStorage storage, StorageStats before, String function,
                                 String id, String label, byte[] zip, ProvidedBootstraps.Bootstrap bootstrap)
            throws Exception {
        RoundTripBench.progress("storage: deploying " + function + " (" + Format.bytes(zip.length) + " zip)");
        long started = System.nanoTime();
        lambda.createFunction(KindlingUnderTest.createRequest(function, zip, InvokeTarget.FULL_CORE_MB,
                bootstrap.runtime(), bootstrap.handler()));
        KindlingUnderTest.awaitUpdated(lambda, function, UPDATE_POLL_MILLIS);
        return stored(storage, before, id, label, zip, System.nanoTime() - started);
    }

    /** UpdateFunctionCode, measured like {@link #create}. */
    private static Upload update(LambdaClient lambda, KindlingStorage storage, StorageStats before, String function,
                                 String id, String label, byte[] zip) throws Exception {
        long started = System.nanoTime();
        lambda.updateFunctionCode(r -> r.functionName(function).zipFile(SdkBytes.fromByteArrayUnsafe(zip)));
        KindlingUnderTest.awaitUpdated(lambda, function, UPDATE_POLL_MILLIS);
        return stored(storage, before, id, label, zip, System.nanoTime() - started);
    }

    /** What the upload added, once the store's totals show its image. */
    private static Upload stored(KindlingStorage storage, StorageStats before, String id, String label, byte[] zip,
                                 long nanos) throws Exception {
        StorageStats after = storage.awaitImages(before.images() + 1);
        if (after == null) {
            throw new NotMeasurable("The server stored no code image for a package (is mkfs.erofs, Debian "
                    + "erofs-utils, installed? Without it sandboxes bind the unpacked package and nothing is chunked).");
        }
        return new Upload(id, label, zip.length, after.logicalBytes() - before.logicalBytes(),
                after.storedBytes() - before.storedBytes(), after.chunks() - before.chunks(), nanos, after);
    }

    /** The function's first invoke, cold, and what the worker fetched for it. */
    private FirstInvoke firstInvoke(KindlingServer server, KindlingStorage storage, String function,
                                    ProvidedBootstraps.Bootstrap bootstrap, Upload deploy, String id, String label)
            throws Exception {
        InvokeTarget target = new InvokeTarget(bootstrap, InvokeTarget.FULL_CORE_MB, function, server.endpoint());
        StorageStats before = storage.now();
        long started = System.nanoTime();
        String unavailable = InvokeBench.probe(target);
        long invoked = System.nanoTime() - started;
        if (unavailable != null) {
            throw new NotMeasurable("Kindling cannot run sandboxes here (they need root, bubblewrap and cgroups). "
                    + unavailable);
        }
        StorageStats after = storage.now();
        long reads = KindlingStorage.tier(after, "origin").reads() - KindlingStorage.tier(before, "origin").reads()
                + KindlingStorage.tier(after, "disk").reads() - KindlingStorage.tier(before, "disk").reads();
        if (reads == 0) {
            throw new NotMeasurable("The first invoke read no chunk: this host cannot mount code images (root, "
                    + "/dev/fuse, loop devices and EROFS are needed; the server log says which is missing), so the "
                    + "sandbox bound the unpacked package.");
        }
        return new FirstInvoke(id, label, deploy, KindlingStorage.fetchedBetween(before, after), reads, invoked);
    }

    private void renderDedupe(Report report, List<Upload> uploads, Packages packages) {
        Report.Table table = report.table("10b. Dedupe: what an upload adds to the chunk store",
                "One function, `provided.al2023` (" + packages.bootstrap().label() + "), its code uploaded three times "
                        + "through the SDK to a server with `--auth none` and a fresh data directory: " + BIG_FILES.size()
                        + " files of " + Format.bytes(packages.bigBytes()) + " (" + String.join(", ",
                        BIG_FILES.stream().map(PackageFile::name).toList())
                        + "; 16 to 64 MiB, each byte one of two values picked at random from the file's own seed, so the "
                        + "zip, Huffman-coded, fits Lambda's 50 MB limit while the chunker cuts it like random bytes) "
                        + "and the bootstrap; then "
                        + "UpdateFunctionCode with one file added; then the same files in a rebuilt zip. Each upload's "
                        + "image and stored bytes are the change of `LogicalBytes`, `StoredBytes` and `Chunks` in "
                        + "`GET /kindling/2026-11-27/storage` (polled until its totals, cached up to 5 s, include the "
                        + "new image). \"Until invocable\": from the call until GetFunctionConfiguration says "
                        + "LastUpdateStatus Successful (polled every " + UPDATE_POLL_MILLIS + " ms): unzip, "
                        + "`mkfs.erofs`, ingest of the image's two parts, manifest; one sample each.",
                "upload", "zip", "image (logical)", "new chunks", "newly stored", "stored ÷ image", "until invocable");
        for (Upload upload : uploads) {
            report.figure(upload.id(), upload.label(), Map.of("zip_bytes", upload.zipBytes(), "image_bytes", upload.image(),
                    "stored_bytes", upload.stored(), "chunks", upload.chunks(), "stored_share", upload.storedShare(),
                    "until_invocable_ms", upload.activateNanos() / 1e6));
            table.row(upload.label(), Format.bytes(upload.zipBytes()), Format.bytes(upload.image()),
                    String.format("%,d", upload.chunks()), Format.bytes(upload.stored()), percent(upload.storedShare()),
                    Format.millis(upload.activateNanos() / 1e6));
        }
        table.note("Anchor (Lambda, ATC'23): about 80% of new uploads add no unique chunk (mostly CI re-uploads); the rest "
                + "add a median 2.5% (mean 4.3%) of their chunks. An identical zip uploaded again is the same package "
                + "(same SHA-256): no image is built at all.");
    }

    private void renderFirstInvokes(Report report, List<FirstInvoke> firsts, Packages packages) {
        String large = packages.largeLabel();
        Report.Table table = report.table("10c. Lazy loading: bytes fetched for the first invoke",
                "The first invoke of a function just deployed (a cold start: " + packages.bootstrap().label() + ", 1,769 MB, "
                        + "a 1 KB event echoed) on a server that had read no chunk yet, each package on its own: the "
                        + "1 MiB package (the bootstrap and a 1 MiB random file) on one server, the " + large
                        + " package of 10b on the next, before its updates. Fetched: the change of the read tiers' `BytesServed` in "
                        + "the storage API (disk tier and origin; the disk tier is empty, so all of it came from the "
                        + "origin), over the image's logical bytes. The handler never reads the other files. One "
                        + "sample each.",
                "package", "image (logical)", "fetched at the first invoke", "chunk reads below memory",
                "share of the image", "first invoke (cold), one sample");
        for (FirstInvoke first : firsts) {
            report.figure(first.id(), "bytes fetched for the first invoke, " + first.label(), Map.of("image_bytes",
                    first.deploy().image(), "fetched_bytes", first.fetched(), "chunk_reads", first.reads(), "share",
                    first.share(), "invoke_ms", first.invokeNanos() / 1e6));
            table.row(first.label(), Format.bytes(first.deploy().image()), Format.bytes(first.fetched()),
                    String.format("%,d", first.reads()), percent(first.share()), Format.millis(first.invokeNanos() / 1e6));
        }
        table.note("Budget (architecture): ≤ 10% of a typical image read at the first invoke, ≤ 1% of a 10 GiB image with a "
                + "small handler. Anchor: Slacker (FAST'16) found 6.4% of container images read at start.");
    }

    // ---- 10d: cold start by package size ----

    private ColdStarts coldStarts(Report report, KindlingServer server, Path dataDir, LambdaClient lambda,
                                        KindlingStorage storage, SandboxStartLog startLog, Packages packages)
            throws Exception {
        ProvidedBootstraps.Bootstrap bootstrap = packages.bootstrap();
        lambda.createFunction(KindlingUnderTest.createRequest(SMALL, packages.zip("cold-start", List.of(packages.small()),
                CodePackages.BUILT), InvokeTarget.FULL_CORE_MB, bootstrap.runtime(), bootstrap.handler()));
        KindlingUnderTest.awaitUpdated(lambda, SMALL, UPDATE_POLL_MILLIS);
        ColdSeries small = new ColdSeries("storage.cold.small", "Kindling cold start of new code, 1 MiB package "
                + "(baseline of the ratio)");
        ColdSeries big = new ColdSeries("storage.cold.big", "**Kindling cold start of new code, "
                + packages.largeLabel() + " package**");
        ColdSeries mounted = new ColdSeries("storage.cold.small_mounted", "Kindling cold start, 1 MiB package, the "
                + "same code again: image still mounted, chunks in memory (baseline of what new code adds)");
        int unmountedTooSoon = 0;
        ColdStartBench.Series bare = new ColdStartBench.Series("storage.cold.bare", "bare " + bootstrap.label()
                + ", spawned by this JVM, fake Runtime API (baseline)", null, bootstrap);
        Path bareTmp = Files.createDirectories(workDir.resolve("storage-bare-tmp"));
        KeepAliveHttpPost smallClient = new KeepAliveHttpPost(new InvokeTarget(bootstrap, InvokeTarget.FULL_CORE_MB, SMALL,
                server.endpoint()).invokeUrl(), event, "application/json");
        KeepAliveHttpPost bigClient = new KeepAliveHttpPost(new InvokeTarget(bootstrap, InvokeTarget.FULL_CORE_MB, BIG,
                server.endpoint()).invokeUrl(), event, "application/json");
        CpuPressure pressure = CpuPressure.start();
        int samples = 1 + settings.packageColdStarts();
        try (FakeRuntimeApi fake = new FakeRuntimeApi()) {
            for (int i = 0; i < samples; i++) {
                boolean measured = i >= 1;
                RoundTripBench.progress("storage: cold starts by package size, " + (measured ? "measured round " + i + "/"
                        + settings.packageColdStarts() : "warm-up round"));
                String version = "cold-" + i;
                newCodeColdStart(lambda, storage, startLog, dataDir, BIG, bigClient,
                        packages.zip(version, packages.bigWithAdded(), CodePackages.BUILT), measured ? big : null);
                newCodeColdStart(lambda, storage, startLog, dataDir, SMALL, smallClient,
                        packages.zip(version, List.of(packages.small()), CodePackages.BUILT), measured ? small : null);
                if (!mountedColdStart(storage, startLog, dataDir, SMALL, smallClient, measured ? mounted : null)
                        && measured) {
                    unmountedTooSoon++;
                }
                awaitQuiet(dataDir);
                Thread.sleep(ColdStartBench.SETTLE);
                ColdStartBench.bareStart(fake, bootstrap, bareTmp, measured ? bare : null);
            }
        }
        renderColdStarts(report, bare, mounted, small, big, packages, unmountedTooSoon, pressure.percentSinceStart());
        return new ColdStarts(small, big, mounted, bare.latency());
    }

    /** New code for the function, then its first invoke; {@code into} null for a warm-up sample. */
    private void newCodeColdStart(LambdaClient lambda, KindlingStorage storage, SandboxStartLog startLog, Path dataDir,
                                  String function, KeepAliveHttpPost client, byte[] zip, ColdSeries into)
            throws Exception {
        lambda.updateFunctionCode(r -> r.functionName(function).zipFile(SdkBytes.fromByteArrayUnsafe(zip)));
        KindlingUnderTest.awaitUpdated(lambda, function, UPDATE_POLL_MILLIS);
        awaitQuiet(dataDir);
        ColdSample sample = coldInvoke(storage, startLog, function, client);
        if (into != null) {
            into.record(sample);
        }
    }

    /**
     * Another cold start of the code the function just ran: its environment gone, its image still mounted (within the
     * unmount grace) and its chunks in memory, as 8 measures. False when the image was unmounted before the invoke
     * found it (a slow machine), and the sample is not counted.
     */
    private boolean mountedColdStart(KindlingStorage storage, SandboxStartLog startLog, Path dataDir, String function,
                                     KeepAliveHttpPost client, ColdSeries into) throws Exception {
        ColdStartBench.awaitNoSandboxes(BubblewrapConfig.defaults().scratchRoot(), PREFIX);
        Path images = imagesDirectory(dataDir);
        if (!mountedUnder(images)) {
            return false;
        }
        ColdSample sample = coldInvoke(storage, startLog, function, client);
        if (!mountedUnder(images)) {
            return false;
        }
        if (into != null) {
            into.record(sample);
        }
        return true;
    }

    /** One timed cold invoke, the machine quiet. */
    private ColdSample coldInvoke(KindlingStorage storage, SandboxStartLog startLog, String function,
                                  KeepAliveHttpPost client) throws Exception {
        StorageStats before = storage.now();
        Thread.sleep(ColdStartBench.SETTLE);
        startLog.drain();
        long sent = System.nanoTime();
        KeepAliveHttpPost.Answer answer = client.exchange();
        long answered = System.nanoTime();
        if (answer.status() != 200 || answer.functionError() != null || !Arrays.equals(answer.body(), event)) {
            throw new IllegalStateException("cold invoke of " + function + " answered " + answer.status()
                    + (answer.functionError() == null ? "" : " (" + answer.functionError() + ")") + ": "
                    + answer.bodyText());
        }
        List<SandboxStartLog.Start> starts = startLog.drain();
        if (starts.size() != 1) {
            throw new IllegalStateException("invoke of " + function + " was meant to be a cold start, but the sandbox "
                    + "driver logged " + starts.size() + " sandbox starts during it");
        }
        StorageStats after = storage.now();
        long began = Math.min(Math.max(sent, starts.getFirst().beganNanos()), answered);
        return new ColdSample(answered - sent, began - sent, KindlingStorage.fetchedBetween(before, after));
    }

    /**
     * Lets the sample have the machine to itself: dirty pages of the last upload written out ({@code sync}: an
     * activation writes the unpacked tree and the image, hundreds of MB for the big package), every sandbox of the
     * server gone, every image it mounted unmounted. The caller then lets {@link ColdStartBench#SETTLE} pass.
     */
    private static void awaitQuiet(Path dataDir) throws Exception {
        TimedProcess.run(List.of("sync"));
        ColdStartBench.awaitNoSandboxes(BubblewrapConfig.defaults().scratchRoot(), PREFIX);
        Path images = imagesDirectory(dataDir);
        long deadline = System.nanoTime() + MOUNTS_GONE_TIMEOUT.toNanos();
        while (mountedUnder(images)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("images still mounted under " + images + " after " + MOUNTS_GONE_TIMEOUT);
            }
            Thread.sleep(5);
        }
    }

    /** Where the server of {@code dataDir} mounts images, one directory each. */
    static Path imagesDirectory(Path dataDir) {
        return dataDir.toAbsolutePath().resolve("mounts").resolve("images");
    }

    /** Whether anything is mounted below {@code dir} (field 5 of /proc/self/mountinfo is the mount point). */
    static boolean mountedUnder(Path dir) throws IOException {
        String prefix = dir + "/";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (fields.length > 4 && fields[4].startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private void renderColdStarts(Report report, ColdStartBench.Series bare, ColdSeries mounted, ColdSeries small,
                                  ColdSeries big, Packages packages, int unmountedTooSoon, double cpuPressure) {
        String large = packages.largeLabel();
        Report.Table table = report.table("10d. Cold start by package size: " + large + " beside 1 MiB",
                "Two functions on the server of 10b, " + packages.bootstrap().label() + ", 1,769 MB: the " + large
                        + " package (with the added file) and the 1 MiB one. Each sample gives the function new code "
                        + "first (UpdateFunctionCode with a line naming the sample appended to the bootstrap, so the "
                        + "image is new, its metadata and the bootstrap's chunks must be fetched, and the big files' "
                        + "chunks are already stored, which keeps the activation short), waits until it is invocable, "
                        + "runs `sync`, waits until every sandbox is gone (idle timeout "
                        + ColdStartBench.IDLE_TIMEOUT.toMillis() + " ms) and every image unmounted (grace "
                        + UNMOUNT_GRACE.toMillis() + " ms), then " + ColdStartBench.SETTLE.toMillis() + " ms; then "
                        + "times the first invoke, sent → whole answer at the client (raw keep-alive client, a 1 KB "
                        + "event echoed; exactly one sandbox start each). Baselines: the 1 MiB package's same code "
                        + "invoked again once its sandbox is gone and " + ColdStartBench.SETTLE.toMillis() + " ms more, "
                        + "its image still mounted and its chunks in memory (a cold start as 8 measures it); and the "
                        + "same bootstrap spawned bare by this JVM against a fake Runtime API (as in 8), after the same "
                        + "wait as new code. The four take turns sample by sample; 1 unmeasured, then "
                        + settings.packageColdStarts() + " measured each. \"To sandbox start\": invoke sent → the "
                        + "sandbox driver begins (frontend, registry, the image's mount if it is new: FUSE parts, two "
                        + "loop devices, EROFS superblock read; pool); \"sandbox start → answer\": the sandbox's set-up "
                        + "and the runtime's start, its reads of /var/task going through the mount. \"Fetched\": disk "
                        + "tier and origin bytes served during the invoke.",
                "path", "n", "p50", "p99", "max", "to sandbox start, p50", "sandbox start → answer, p50",
                "fetched, p50", "p50 ÷ bare", "p50 ÷ 1 MiB", "p99 ÷ 1 MiB");
        Latency bareLatency = bare.latency();
        report.latency(bare.id, bare.label, bareLatency, Map.of());
        table.row(bare.label, String.format("%,d", bareLatency.count()), Format.millis(bareLatency.p50Ms()),
                Format.millis(bareLatency.p99Ms()), Format.millis(bareLatency.maxMs()), "—", "—", "—", "—", "—", "—");
        Latency smallLatency = Latency.of(small.total());
        Map<String, Latency> lines = new LinkedHashMap<>();
        lines.put(Charts.legend(bare.label), bareLatency);
        for (ColdSeries series : List.of(mounted, small, big)) {
            if (series.total().getTotalCount() == 0) {
                continue; // every sample of the same code again came too late (noted below)
            }
            Latency latency = Latency.of(series.total());
            lines.put(Charts.legend(series.label()), latency);
            double toSandbox = series.toSandbox().getValueAtPercentile(50) / 1e6;
            double fromSandbox = series.fromSandbox().getValueAtPercentile(50) / 1e6;
            report.latency(series.id(), series.label(), latency, Map.of("to_sandbox_start_p50_ms", toSandbox,
                    "sandbox_start_to_answer_p50_ms", fromSandbox, "fetched_bytes_p50", series.medianFetched()));
            String overBare = Format.ratio(report.ratio(series.id(), bare.id, "p50", latency.p50Ms(), bareLatency.p50Ms()));
            boolean isBig = series == big;
            table.row(series.label(), String.format("%,d", latency.count()), Format.millis(latency.p50Ms()),
                    Format.millis(latency.p99Ms()), Format.millis(latency.maxMs()), Format.millis(toSandbox),
                    Format.millis(fromSandbox), Format.bytes(series.medianFetched()), overBare,
                    isBig ? Format.ratio(report.ratio(big.id(), small.id(), "p50", latency.p50Ms(), smallLatency.p50Ms()))
                            : "—",
                    isBig ? Format.ratio(report.ratio(big.id(), small.id(), "p99", latency.p99Ms(), smallLatency.p99Ms()))
                            : "—");
        }
        table.chart("10d-cold-start-by-package-size", Charts.percentiles("10d. Cold start by package size: " + large
                + " beside 1 MiB", "new code's first invoke, sent → whole answer at the client, beside the same code again "
                + "and the bootstrap started bare", lines));
        if (unmountedTooSoon > 0) {
            table.note(unmountedTooSoon + " sample(s) of the same code again found the image already unmounted and are "
                    + "left out.");
        }
        table.note("Budget (issue 5): a 200 MB package's cold start within " + Format.ratio(COLD_RATIO_BUDGET) + " a 1 MB "
                + "package's (the architecture: 10 GiB within 1.2× of 10 MiB; Lambda: no added latency for 10 GiB). With "
                + settings.packageColdStarts() + " samples per row, p99 is the largest sample.");
        table.note("CPU pressure during this section: " + CpuPressure.describe(cpuPressure) + ".");
        report.runFact("cpu_pressure_pct.storage_cold", cpuPressure);
    }

    // ---- budgets ----

    private void budgets(Report report, ChunkIngestBench.Result ingest, ServerFigures server) {
        Report.Table table = report.table("10. Code storage against the budgets",
                "From tables 10 to 10e of this run.", "figure", "Kindling", "baseline (same run)", "budget / anchor",
                "verdict");
        table.row("chunk ingest into an empty origin, throughput", Format.megabytesPerSecond(ingest.freshRate()),
                "`sha256sum` " + Format.megabytesPerSecond(ingest.toolRate()),
                "≥ " + Format.ratio(ChunkIngestBench.BUDGET) + " `sha256sum`",
                verdict(ingest.freshRatio() >= ChunkIngestBench.BUDGET, Format.ratio(ingest.freshRatio()) + " `sha256sum`"));
        report.figure("storage.budget.ingest", "chunk ingest ÷ sha256sum", Map.of("ratio", ingest.freshRatio(),
                "budget_ratio", ChunkIngestBench.BUDGET, "met", ingest.freshRatio() >= ChunkIngestBench.BUDGET));
        if (server == null) {
            table.note("The server figures (10b to 10d) were not measured in this run: see 10b.");
            return;
        }
        Upload first = server.uploads().get(0);
        Upload oneFile = server.uploads().get(1);
        Upload rezipped = server.uploads().get(2);
        table.row("one file added to the " + server.large() + " package: newly stored ÷ image",
                percent(oneFile.storedShare()),
                "first deploy " + percent(first.storedShare()), "no budget; Lambda: median 2.5% for uploads that add "
                        + "anything", "—");
        table.row("the same files re-zipped: newly stored ÷ image", percent(rezipped.storedShare()),
                "first deploy " + percent(first.storedShare()), "no budget; Lambda: 80% of uploads add nothing", "—");
        FirstInvoke big = server.big();
        boolean readMet = big.share() <= LARGE_IMAGE_READ_BUDGET;
        table.row("bytes fetched for the first invoke, small handler in the " + server.large() + " package",
                percent(big.share()) + " (" + Format.bytes(big.fetched()) + ")",
                "the whole image " + Format.bytes(big.deploy().image()),
                "≤ 1% (the architecture's line for a 10 GiB image; ≤ 10% typical)",
                verdict(readMet, percent(big.share())));
        report.figure("storage.budget.first_invoke_read", "bytes fetched for the first invoke ÷ image, "
                + server.large() + " package", Map.of("share", big.share(), "budget_share", LARGE_IMAGE_READ_BUDGET, "met", readMet));
        FirstInvoke small = server.small();
        table.row("bytes fetched for the first invoke, 1 MiB package", percent(small.share()) + " ("
                        + Format.bytes(small.fetched()) + ")", "the whole image " + Format.bytes(small.deploy().image()),
                "no budget: the bootstrap, which runs, is most of this image", "—");
        Latency smallCold = Latency.of(server.cold().small().total());
        Latency bigCold = Latency.of(server.cold().big().total());
        coldRatio(report, table, server.large(), "p50", bigCold.p50Ms(), smallCold.p50Ms());
        coldRatio(report, table, server.large(), "p99", bigCold.p99Ms(), smallCold.p99Ms());
        Histogram mounted = server.cold().mounted().total();
        Latency bare = server.cold().bare();
        newCodeCold(report, table, "p50", smallCold.p50Ms(), mounted, 50, bare.p50Ms(), PROVIDED_COLD_P50_MS);
        newCodeCold(report, table, "p99", smallCold.p99Ms(), mounted, 99, bare.p99Ms(), PROVIDED_COLD_P99_MS);
        table.note("The `provided` cold-start budget is read here for the first invoke of new code, whose image is "
                + "mounted during the invoke; 8 measures cold starts of code whose image is still mounted, as the "
                + "baseline \"same code\" here.");
    }

    /** The architecture's {@code provided} cold-start budget, for a cold start that mounts the new image. */
    private static void newCodeCold(Report report, Report.Table table, String statistic, double valueMs,
                                    Histogram mounted, double percentile, double bareMs, double budgetMs) {
        boolean met = valueMs <= budgetMs;
        String sameCode = mounted.getTotalCount() == 0 ? "—"
                : Format.millis(mounted.getValueAtPercentile(percentile) / 1e6);
        table.row("cold start of new code, 1 MiB package, " + statistic, Format.millis(valueMs),
                "same code, image mounted " + sameCode + "; bare bootstrap " + Format.millis(bareMs),
                "≤ " + Format.millis(budgetMs) + " (`provided` cold start)",
                met ? "met, " + Format.millis(budgetMs - valueMs) + " to spare"
                        : "**missed** by " + Format.millis(valueMs - budgetMs));
        report.figure("storage.budget.new_code_cold_" + statistic, "cold start of new code, 1 MiB package, " + statistic,
                Map.of("value_ms", valueMs, "bare_ms", bareMs, "budget_ms", budgetMs, "met", met));
    }

    private static void coldRatio(Report report, Report.Table table, String large, String statistic, double bigMs,
                                  double smallMs) {
        double ratio = bigMs / smallMs;
        boolean met = ratio <= COLD_RATIO_BUDGET;
        table.row("cold start, " + large + " package, " + statistic, Format.millis(bigMs),
                "1 MiB package " + Format.millis(smallMs),
                "≤ " + Format.ratio(COLD_RATIO_BUDGET) + " the 1 MiB package = " + Format.millis(COLD_RATIO_BUDGET * smallMs),
                verdict(met, Format.ratio(ratio) + " the 1 MiB package"));
        report.figure("storage.budget.cold_" + statistic, "cold start " + large + " ÷ 1 MiB package, " + statistic,
                Map.of("big_ms", bigMs, "small_ms", smallMs, "ratio", ratio, "budget_ratio", COLD_RATIO_BUDGET, "met", met));
    }

    private static String verdict(boolean met, String how) {
        return met ? "met, " + how : "**missed**: " + how;
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, share < 0.1 ? "%.2f%%" : "%.1f%%", 100 * share);
    }

    private static void skipped(Report report, String why) {
        RoundTripBench.progress("storage: server figures skipped: " + why);
        report.runFact("storage_server_skipped", why);
        report.table("10b–10d. Dedupe, lazy loading and cold start by package size", "Not measured. " + why, "figure",
                "value").row("—", "—");
    }
}
