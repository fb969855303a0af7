package io.kindling.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.chunks.FileTrees;
import io.kindling.chunks.cdc.FastCdc;
import io.kindling.chunks.crypto.ConvergentEncryption;
import io.kindling.chunks.crypto.MasterKey;
import io.kindling.chunks.crypto.Salt;
import io.kindling.chunks.crypto.SaltSchedule;
import io.kindling.chunks.image.ErofsBuilder;
import io.kindling.chunks.image.ErofsImage;
import io.kindling.chunks.image.ImagePart;
import io.kindling.chunks.ingest.ChunkIngest;
import io.kindling.chunks.ingest.IngestedImage;
import io.kindling.chunks.oci.ImageImport;
import io.kindling.chunks.oci.ImportedImage;
import io.kindling.chunks.oci.layers.FlattenLimits;
import io.kindling.chunks.oci.layers.LayerFlattener;
import io.kindling.chunks.oci.registry.ImageReference;
import io.kindling.chunks.oci.registry.Platform;
import io.kindling.chunks.oci.registry.RegistryClient;
import io.kindling.chunks.oci.registry.RegistrySettings;
import io.kindling.chunks.origin.LocalDirectoryOrigin;
import io.kindling.server.ChunkStoreConfig;
import io.kindling.server.KindlingServer;
import io.kindling.server.ServerConfig;
import io.kindling.server.WorkerConfig;
import io.kindling.wire.StorageStats;
import io.kindling.worker.sandbox.BubblewrapConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.PackageType;
import software.amazon.awssdk.services.lambda.model.State;

/**
 * Figure 11: container-image functions (issue 6's figures). Images are built from this host's files, pushed into a
 * loopback {@code docker-registry} ({@link LocalImageRegistry}, {@link BenchImages}) and deployed with CreateFunction
 * {@code PackageType=Image}; the server pulls, flattens, builds the EROFS image and stores its chunks while the
 * function is Pending.
 *
 * <ol>
 *   <li><b>11a. Import</b>: CreateFunction → Active for each image, in MB/s of layer bytes, beside {@code sha256sum}
 *       over the same layer files (the registry's blobs) in the same run; the import's peak heap (this JVM's, where
 *       the server runs) and peak scratch disk under {@code <data>/chunks/scratch}.</li>
 *   <li><b>11b. Bytes fetched at the first invoke</b> of each image, each on a server that has read nothing yet (a
 *       restart of the same data directory with the disk tier off, so every chunk read below memory is an origin
 *       read): the storage API's origin counter over the image's size. The realistic image (a Debian python3 root)
 *       is one of the rows.</li>
 *   <li><b>11c. Cold start, small image beside the 10 GiB one</b>, and the bootstrap started bare; <b>11c-b</b>
 *       splits them into the image's mount ({@link ImageMountLog}), the driver's steps ({@link SandboxStartLog}) and
 *       the runtime's start (the C runtime's clock), as 8b does.</li>
 * </ol>
 * Then the budgets. When the server does not take {@code PackageType=Image} (before the server's wiring), the import
 * is measured with the library instead ({@link ImageImport} into a local origin, as the server would) and the server
 * figures say why they are missing.
 */
final class ImageBench {
    static final String PREFIX = "kbench-images";
    /** Issue 6's budget: a 10 GiB image's cold start within this factor of a small image's, p50 and p99. */
    static final double COLD_RATIO_BUDGET = 1.2;
    /** The architecture's line for a 10 GiB image with a small handler: at most this share read at the first invoke. */
    static final double LARGE_IMAGE_READ_BUDGET = 0.01;
    /** Slacker (FAST'16): containers read 6.4% of their image's bytes at start. */
    static final double SLACKER_READ = 0.064;
    /** Issue 6's budgets for an import: peak server heap below 1 GiB, peak scratch at most twice the image. */
    static final long HEAP_BUDGET_BYTES = 1L << 30;
    static final double SCRATCH_BUDGET = 2.0;
    /** Lambda's quota: every layer of an image, uncompressed, at most 10 GiB; the large image's data fills it. */
    static final long LAMBDA_IMAGE_BYTES = RegistrySettings.LAMBDA_IMAGE_LIMIT;
    private static final Duration UNMOUNT_GRACE = Duration.ofSeconds(1);
    private static final Duration IMPORT_TIMEOUT = Duration.ofMinutes(40);
    private static final Duration MOUNTS_GONE_TIMEOUT = Duration.ofSeconds(60);
    private static final long POLL_MILLIS = 50;
    private static final String SMALL = "images-small";
    private static final String LARGE = "images-large";
    private static final String PYTHON = "images-python";
    private static final byte[] CLOCK_EVENT = ProvidedBootstraps.CLOCK_EVENT.getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** This host or this server cannot give a figure: the reason goes into the report. */
    static final class NotMeasurable extends Exception {
        private static final long serialVersionUID = 1L;

        NotMeasurable(String message) {
            super(message);
        }
    }

    /**
     * One image imported.
     *
     * @param nanos        CreateFunction sent → GetFunctionConfiguration says Active (library: the import's run)
     * @param logicalBytes the stored EROFS image's size (both parts)
     * @param storedBytes  what the origin gained
     */
    record Import(String function, String label, LocalImageRegistry.PushedImage image, long nanos,
                  ImportProbe.Peaks peaks, long logicalBytes, long storedBytes) {
        double megabytesPerSecond() {
            return image.layerBytes() / 1e6 / (nanos / 1e9);
        }
    }

    /** An image's first invoke on a server that had read nothing, and what the worker fetched from the origin. */
    record FirstInvoke(String label, Import image, long fetched, long reads, long nanos) {
        double share() {
            return (double) fetched / image.logicalBytes();
        }
    }

    /** The parts of an image function's cold start, in order; each sample fills those it can. */
    enum Part {
        TO_MOUNTED("invoke sent → image mounted (frontend, registry, manifest read and authenticated, parts exposed "
                + "through FUSE, 2 × `losetup`, `mount -t erofs`)"),
        TO_DRIVER("mounted → the sandbox driver begins (pool, memory admission)"),
        DRIVER("the driver: scratch, cgroup, network namespace, spawn"),
        TO_MAIN("spawned → the runtime's main() runs (launcher, bwrap's namespaces and mounts with the image as root, "
                + "exec of /var/task/bootstrap through EROFS, loop device, FUSE, chunk cache)"),
        TO_NEXT("main() → first event in hand (connect, GET /next)"),
        TO_ANSWER("→ answer at the client (the runtime posts, Kindling relays)");

        final String label;

        Part(String label) {
            this.label = label;
        }
    }

    /** One image's cold starts: the whole, the way to the sandbox driver's start, the parts, and bytes fetched. */
    private record ColdSeries(String id, String label, Histogram total, Histogram toSandbox, List<Long> fetched,
                              Map<Part, Histogram> parts) {
        ColdSeries(String id, String label) {
            this(id, label, Latency.newHistogram(), Latency.newHistogram(), new ArrayList<>(),
                    new java.util.EnumMap<>(Part.class));
        }

        void part(Part part, long nanos) {
            parts.computeIfAbsent(part, p -> Latency.newHistogram()).recordValue(Math.max(0, nanos));
        }

        /** The part's median in ms, or -1 when no sample had it. */
        double medianMs(Part part) {
            Histogram h = parts.get(part);
            return h == null || h.getTotalCount() == 0 ? -1 : h.getValueAtPercentile(50) / 1e6;
        }

        long medianFetched() {
            return fetched.stream().sorted().skip((fetched.size() - 1) / 2).findFirst().orElse(0L);
        }
    }

    private record ColdStarts(ColdSeries small, ColdSeries large, Latency bare) {}

    private final BenchSettings settings;
    private final Path workDir;
    private final Path credentials;
    private final byte[] event = WarmInvokeBench.event();
    /** The budget table, once made: the section's time and disk go under it at the end. */
    private Report.Table budgetTable;

    ImageBench(BenchSettings settings, Path workDir, Path credentials) {
        this.settings = settings;
        this.workDir = workDir;
        this.credentials = credentials;
    }

    void run(Report report) throws Exception {
        if (!LocalImageRegistry.available()) {
            skipped(report, "11. Container images", "Not measured: this host has no " + LocalImageRegistry.BINARY + " (Debian "
                    + "docker-registry) to serve the images from.");
            return;
        }
        long started = System.nanoTime();
        Path dir = Files.createDirectories(workDir.resolve("images"));
        Path serverDirs = InvokeBench.sandboxReachableDir("kindling-bench-images-");
        ImportProbe section = new ImportProbe(dir, dir);
        try {
            run(report, dir, serverDirs);
        } finally {
            ImportProbe.Peaks peaks = section.stop();
            ControlPlaneBench.deleteRecursively(serverDirs);
            ControlPlaneBench.deleteRecursively(dir);
            long seconds = Math.round((System.nanoTime() - started) / 1e9);
            report.runFact("images_wall_seconds", seconds);
            report.runFact("images_disk_used_bytes", peaks.diskUsedBytes());
            if (budgetTable != null) {
                budgetTable.note("This section took " + seconds + " s and at most " + Format.bytes(peaks.diskUsedBytes())
                        + " of disk (the file system's free space at its start minus its least, sampled every "
                        + ImportProbe.PERIOD_MILLIS + " ms: the registry's copy of the images, an import's scratch, the "
                        + "chunk store).");
            }
            RoundTripBench.progress("images: section took " + seconds + " s, at most " + Format.bytes(peaks.diskUsedBytes())
                    + " of disk");
        }
    }

    private void run(Report report, Path dir, Path serverDirs) throws Exception {
        ProvidedBootstraps.Bootstrap bootstrap;
        try {
            bootstrap = ProvidedBootstraps.compiled(dir.resolve("runtimes"));
        } catch (IOException e) {
            RoundTripBench.progress("images: no C runtime, the sh one instead: " + e.getMessage());
            bootstrap = ProvidedBootstraps.shell(dir.resolve("runtimes"));
        }
        Path executable = Path.of(bootstrap.bare().command().getFirst());
        BenchImages.Images images;
        try (LocalImageRegistry registry = LocalImageRegistry.start(dir.resolve("registry"))) {
            long dataBytes = settings.imageDataMebibytes() > 0 ? (long) settings.imageDataMebibytes() << 20 : -1;
            images = BenchImages.build(registry, executable, dataBytes, LAMBDA_IMAGE_BYTES,
                    new DebianRoot(DebianRoot.defaultCache()));
            renderImages(report, images, bootstrap);
            TimedProcess.Outcome sha = sha256sum(registry, images.large());
            List<Import> imports;
            String serverRefused = null;
            try {
                imports = serverImports(serverDirs.resolve("data"), images);
            } catch (ServerRefused e) {
                serverRefused = e.getMessage();
                RoundTripBench.progress("images: the server does not take image functions (" + serverRefused + "); "
                        + "measuring the import with the library instead");
                imports = libraryImports(dir.resolve("library"), images);
            }
            renderImports(report, imports, images, sha, serverRefused);
            if (serverRefused != null) {
                skipped(report, "11b–11c. First invoke and cold start of image functions", "Not measured: the "
                        + "server refused CreateFunction with PackageType Image (" + serverRefused + ").");
                budgets(report, imports, null, null, null);
                return;
            }
            List<FirstInvoke> firsts = new ArrayList<>();
            try {
                for (Import imported : imports) {
                    firsts.add(firstInvoke(serverDirs.resolve("data"), imported));
                }
                renderFirstInvokes(report, firsts, images);
                ColdStarts cold = coldStarts(report, serverDirs.resolve("data"), bootstrap, imports);
                budgets(report, imports, firsts, cold, images);
            } catch (NotMeasurable e) {
                skipped(report, "11b–11c. First invoke and cold start of image functions", "Not measured: "
                        + e.getMessage());
                budgets(report, imports, firsts.isEmpty() ? null : firsts, null, images);
            }
        }
    }

    // ---- 11a: import ----

    /** The server took no image function: its answer. */
    private static final class ServerRefused extends Exception {
        private static final long serialVersionUID = 1L;

        ServerRefused(String message) {
            super(message);
        }
    }

    private TimedProcess.Outcome sha256sum(LocalImageRegistry registry, LocalImageRegistry.PushedImage image)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("sha256sum"));
        for (OciLayerWriter.Blob layer : image.layers()) {
            command.add(registry.blobFile(layer).toString());
        }
        RoundTripBench.progress("images: sha256sum over the large image's layer files (" + Format.bytes(image.layerBytes())
                + ")");
        return TimedProcess.run(command);
    }

    private KindlingServer start(Path dataDir, boolean diskTier) throws Exception {
        ChunkStoreConfig chunks = ChunkStoreConfig.defaults().withUnmountGrace(UNMOUNT_GRACE);
        if (!diskTier) {
            chunks = new ChunkStoreConfig(chunks.saltEpoch(), chunks.chunkCacheBytes(), 0, chunks.unmountGrace(),
                    chunks.mountImages(), chunks.gcGrace(), chunks.gcInterval());
        }
        return KindlingUnderTest.start(dataDir, credentials, ServerConfig.Auth.NONE,
                WorkerConfig.defaults().withNamePrefix(PREFIX).withLifecycle(ColdStartBench.retireQuickly()), chunks);
    }

    /** Each image deployed on one server (disk tier off), the large one watched by an {@link ImportProbe}. */
    private List<Import> serverImports(Path dataDir, BenchImages.Images images) throws Exception {
        List<Import> imports = new ArrayList<>();
        try (KindlingServer server = start(dataDir, false);
                LambdaClient lambda = KindlingUnderTest.client(server.endpoint())) {
            KindlingStorage storage = new KindlingStorage(server.endpoint());
            StorageStats before = KindlingStorage.FRESH;
            for (ToImport image : imagesToImport(images)) {
                String function = image.function();
                LocalImageRegistry.PushedImage pushed = image.image();
                RoundTripBench.progress("images: CreateFunction " + function + " (" + Format.bytes(pushed.layerBytes())
                        + " of layers), until Active");
                ImportProbe probe = new ImportProbe(dataDir.resolve("chunks").resolve("scratch"), dataDir);
                long sent = System.nanoTime();
                try {
                    lambda.createFunction(r -> r.functionName(function).packageType(PackageType.IMAGE)
                            .code(c -> c.imageUri(pushed.uri())).role(KindlingUnderTest.ROLE)
                            .memorySize(InvokeTarget.FULL_CORE_MB).timeout(60));
                } catch (LambdaException e) {
                    probe.stop();
                    throw new ServerRefused(e.awsErrorDetails() == null ? e.getMessage()
                            : e.awsErrorDetails().errorCode() + ": " + e.awsErrorDetails().errorMessage());
                }
                awaitActive(lambda, function);
                long nanos = System.nanoTime() - sent;
                ImportProbe.Peaks peaks = probe.stop();
                StorageStats after = storage.awaitImages(before.images() + 1);
                if (after == null) {
                    throw new IllegalStateException(function + " is Active but the storage API shows no new image");
                }
                imports.add(new Import(function, image.label(), pushed, nanos, peaks,
                        after.logicalBytes() - before.logicalBytes(), after.storedBytes() - before.storedBytes()));
                before = after;
            }
        }
        return imports;
    }

    /** An image the section deploys: its function's name and the tables' label for it. */
    private record ToImport(String function, String label, LocalImageRegistry.PushedImage image) {}

    /** Each image there is, small first, then large, then python. */
    private static List<ToImport> imagesToImport(BenchImages.Images images) {
        List<ToImport> list = new ArrayList<>();
        list.add(new ToImport(SMALL, "small image (userland + C bootstrap)", images.small()));
        list.add(new ToImport(LARGE, "**large image** (the same + " + Format.bytes(images.dataLayer().size())
                + " of random files)", images.large()));
        if (images.python() != null) {
            list.add(new ToImport(PYTHON, "Debian python3 image (realistic)", images.python()));
        }
        return list;
    }

    private static void awaitActive(LambdaClient lambda, String function) throws InterruptedException {
        long deadline = System.nanoTime() + IMPORT_TIMEOUT.toNanos();
        while (true) {
            var configuration = lambda.getFunctionConfiguration(r -> r.functionName(function));
            if (configuration.state() == State.ACTIVE) {
                return;
            }
            if (configuration.state() == State.FAILED) {
                throw new IllegalStateException(function + " failed: " + configuration.stateReasonCode() + ": "
                        + configuration.stateReason());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(function + " still " + configuration.state() + " after " + IMPORT_TIMEOUT);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * The import as the server would run it, with the library: {@link ImageImport} from the registry into a scratch
     * tree, {@link ErofsBuilder} ({@link ErofsBuilder.Ownership#FROM_TREE}) and chunk ingest into a local origin.
     */
    private List<Import> libraryImports(Path dir, BenchImages.Images images) throws Exception {
        Path scratch = Files.createDirectories(dir.resolve("scratch"));
        Path originDir = dir.resolve("origin");
        ChunkIngest ingest = new ChunkIngest(new FastCdc(), new ConvergentEncryption(), new LocalDirectoryOrigin(originDir));
        Salt salt = new SaltSchedule(MasterKey.generate(), Duration.ofDays(30), Clock.systemUTC()).current();
        ErofsBuilder erofs = new ErofsBuilder(IMPORT_TIMEOUT);
        List<Import> imports = new ArrayList<>();
        try (RegistryClient registry = new RegistryClient(RegistrySettings.defaults())) {
            ImageImport importer = new ImageImport(registry, new LayerFlattener(), FlattenLimits.lambdaDefaults());
            for (ToImport image : imagesToImport(images)) {
                LocalImageRegistry.PushedImage pushed = image.image();
                RoundTripBench.progress("images: library import of " + image.function() + " (" + Format.bytes(pushed.layerBytes())
                        + ")");
                ImportProbe probe = new ImportProbe(scratch, dir);
                long started = System.nanoTime();
                ImportedImage<IngestedImage> imported = importer.run(ImageReference.parse(pushed.uri()),
                        Platform.LINUX_AMD64, scratch, (pulled, tree, flattened) -> {
                            Path build = Files.createTempDirectory(scratch, "erofs.");
                            try {
                                ErofsImage built = erofs.build(tree, build.resolve(ImagePart.METADATA.fileName()),
                                        build.resolve(ImagePart.BLOB.fileName()), ErofsBuilder.Ownership.FROM_TREE);
                                Map<String, Path> parts = new LinkedHashMap<>();
                                for (ImagePart part : ImagePart.values()) {
                                    parts.put(part.fileName(), built.file(part));
                                }
                                return ingest.ingestImage(parts, salt);
                            } finally {
                                FileTrees.deleteRecursively(build);
                            }
                        });
                long nanos = System.nanoTime() - started;
                ImportProbe.Peaks peaks = probe.stop();
                imports.add(new Import(image.function(), image.label(), pushed, nanos, peaks,
                        imported.stored().report().total().bytes(), imported.stored().report().unique().bytes()));
            }
        } finally {
            FileTrees.deleteRecursively(dir);
        }
        return imports;
    }

    // ---- 11b: first invoke ----

    /** The function's first invoke on a restarted server: nothing in memory, no disk tier. */
    private FirstInvoke firstInvoke(Path dataDir, Import imported) throws Exception {
        RoundTripBench.progress("images: first invoke of " + imported.function() + " on a server that has read nothing");
        try (KindlingServer server = start(dataDir, false)) {
            KindlingStorage storage = new KindlingStorage(server.endpoint());
            String url = new InvokeTarget(null, InvokeTarget.FULL_CORE_MB, imported.function(), server.endpoint())
                    .invokeUrl();
            StorageStats before = storage.now();
            long sent = System.nanoTime();
            KeepAliveHttpPost.Answer answer = new KeepAliveHttpPost(url, event, "application/json").exchange();
            long nanos = System.nanoTime() - sent;
            if (answer.status() != 200 || answer.functionError() != null || !Arrays.equals(answer.body(), event)) {
                throw new NotMeasurable("The first invoke of " + imported.function() + " answered " + answer.status()
                        + (answer.functionError() == null ? "" : " (" + answer.functionError() + ")") + ": "
                        + answer.bodyText());
            }
            StorageStats after = storage.now();
            long reads = KindlingStorage.tier(after, "origin").reads() - KindlingStorage.tier(before, "origin").reads();
            return new FirstInvoke(imported.label(), imported, KindlingStorage.fetchedBetween(before, after), reads, nanos);
        }
    }

    // ---- 11c: cold start ----

    private ColdStarts coldStarts(Report report, Path dataDir, ProvidedBootstraps.Bootstrap bootstrap,
                                  List<Import> imports) throws Exception {
        ColdSeries small = new ColdSeries("images.cold.small", "Kindling cold start, small image (baseline of the ratio)");
        ColdSeries large = new ColdSeries("images.cold.large", "**Kindling cold start, " + Format.bytes(
                imports.get(1).image().layerBytes()) + " image**");
        ColdStartBench.Series bare = new ColdStartBench.Series("images.cold.bare", "bare " + bootstrap.label()
                + ", spawned by this JVM, fake Runtime API (baseline)", null, bootstrap);
        Path bareTmp = Files.createDirectories(workDir.resolve("images-bare-tmp"));
        CpuPressure pressure = CpuPressure.start();
        byte[] coldEvent = bootstrap.reportsClock() ? CLOCK_EVENT : event;
        try (SandboxStartLog startLog = new SandboxStartLog();
                ImageMountLog mountLog = new ImageMountLog();
                KindlingServer server = start(dataDir, true);
                FakeRuntimeApi fake = new FakeRuntimeApi()) {
            KindlingStorage storage = new KindlingStorage(server.endpoint());
            KeepAliveHttpPost smallClient = new KeepAliveHttpPost(new InvokeTarget(bootstrap, InvokeTarget.FULL_CORE_MB,
                    SMALL, server.endpoint()).invokeUrl(), coldEvent, "application/json");
            KeepAliveHttpPost largeClient = new KeepAliveHttpPost(new InvokeTarget(bootstrap, InvokeTarget.FULL_CORE_MB,
                    LARGE, server.endpoint()).invokeUrl(), coldEvent, "application/json");
            Logs logs = new Logs(startLog, mountLog, bootstrap.reportsClock(), coldEvent);
            int samples = 1 + settings.imageColdStarts();
            for (int i = 0; i < samples; i++) {
                boolean measured = i >= 1;
                RoundTripBench.progress("images: cold starts, " + (measured ? "measured round " + i + "/"
                        + settings.imageColdStarts() : "warm-up round"));
                coldInvoke(storage, logs, dataDir, LARGE, largeClient, measured ? large : null);
                coldInvoke(storage, logs, dataDir, SMALL, smallClient, measured ? small : null);
                awaitQuiet(dataDir);
                Thread.sleep(ColdStartBench.SETTLE);
                ColdStartBench.bareStart(fake, bootstrap, bareTmp, measured ? bare : null);
            }
        }
        renderColdStarts(report, bare, small, large, bootstrap, pressure.percentSinceStart());
        return new ColdStarts(small, large, bare.latency());
    }

    /** What a cold start's parts are read from; {@code clock}: the runtime answers {@code event} with its clock. */
    private record Logs(SandboxStartLog starts, ImageMountLog mounts, boolean clock, byte[] event) {}

    /** One cold start: every sandbox gone, every image unmounted, then the invoke; {@code into} null to not count it. */
    private void coldInvoke(KindlingStorage storage, Logs logs, Path dataDir, String function, KeepAliveHttpPost client,
                            ColdSeries into) throws Exception {
        awaitQuiet(dataDir);
        StorageStats before = storage.now();
        Thread.sleep(ColdStartBench.SETTLE);
        logs.starts().drain();
        logs.mounts().drain();
        long sent = System.nanoTime();
        KeepAliveHttpPost.Answer answer = client.exchange();
        long answered = System.nanoTime();
        if (answer.status() != 200 || answer.functionError() != null
                || (!logs.clock() && !Arrays.equals(answer.body(), logs.event()))) {
            throw new NotMeasurable("A cold invoke of " + function + " answered " + answer.status()
                    + (answer.functionError() == null ? "" : " (" + answer.functionError() + ")") + ": "
                    + answer.bodyText());
        }
        List<SandboxStartLog.Start> starts = logs.starts().drain();
        if (starts.size() != 1) {
            throw new IllegalStateException("invoke of " + function + " was meant to be a cold start, but the sandbox "
                    + "driver logged " + starts.size() + " sandbox starts during it");
        }
        List<Long> mounts = logs.mounts().drain();
        StorageStats after = storage.now();
        if (into == null) {
            return;
        }
        SandboxStartLog.Start start = starts.getFirst();
        long began = Math.min(Math.max(sent, start.beganNanos()), answered);
        into.total().recordValue(answered - sent);
        into.toSandbox().recordValue(began - sent);
        into.fetched().add(KindlingStorage.fetchedBetween(before, after));
        if (mounts.size() == 1 && sent <= mounts.getFirst() && mounts.getFirst() <= began) {
            into.part(Part.TO_MOUNTED, mounts.getFirst() - sent);
            into.part(Part.TO_DRIVER, began - mounts.getFirst());
        }
        into.part(Part.DRIVER, start.totalMicros() * 1000);
        if (logs.clock()) {
            JsonNode clock = JSON.readTree(answer.body());
            long main = clock.path("main_ns").asLong(-1);
            long next = clock.path("next_ns").asLong(-1);
            if (start.loggedNanos() <= main && main <= next && next <= answered) {
                into.part(Part.TO_MAIN, main - start.loggedNanos());
                into.part(Part.TO_NEXT, next - main);
                into.part(Part.TO_ANSWER, answered - next);
            }
        }
    }

    /** {@code sync}, every sandbox of the server gone, every image it mounted unmounted. */
    private static void awaitQuiet(Path dataDir) throws Exception {
        TimedProcess.run(List.of("sync"));
        ColdStartBench.awaitNoSandboxes(BubblewrapConfig.defaults().scratchRoot(), PREFIX);
        Path mounts = CodeStorageBench.imagesDirectory(dataDir);
        long deadline = System.nanoTime() + MOUNTS_GONE_TIMEOUT.toNanos();
        while (CodeStorageBench.mountedUnder(mounts)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("images still mounted under " + mounts + " after " + MOUNTS_GONE_TIMEOUT);
            }
            Thread.sleep(5);
        }
    }

    // ---- tables ----

    private void renderImages(Report report, BenchImages.Images images, ProvidedBootstraps.Bootstrap bootstrap) {
        Report.Table table = report.table("11. Container images: the images",
                "Built by the benchmark from this host's files and pushed into Debian's `docker-registry` on loopback "
                        + "through the distribution API (each layer an uncompressed OCI tar streamed into the registry as "
                        + "it is written, its SHA-256 computed on the way); all tags of one repository, so shared layers "
                        + "are one blob. Small: " + images.userlandFiles().size() + " host files (dash as /bin/sh, cat, "
                        + "curl and the libraries `ldd` lists; usr-merge symlinks) and the " + bootstrap.label()
                        + " runtime as ENTRYPOINT /var/task/bootstrap. Large: the same two layers and, between them, "
                        + "random files of " + Format.bytes(BenchImages.DATA_FILE_BYTES) + " (each its own seed) under "
                        + "/opt/data that the handler never reads. Python: "
                        + (images.python() == null ? "not built: " + images.pythonUnavailable()
                        : images.debianPackages().size() + " Debian packages (`python3` and its dependencies as "
                        + "`apt-cache depends --recurse` lists them without recommends: " + String.join(", ",
                        images.debianPackages()) + "), `apt-get download` + `dpkg-deb -x` into one root, stdlib "
                        + "compiled to .pyc; ENTRYPOINT python3, CMD /var/task/bootstrap.py (the Runtime API loop with "
                        + "urllib)") + ".",
                "image", "layers", "layer bytes (uncompressed tar)");
        for (ToImport image : imagesToImport(images)) {
            LocalImageRegistry.PushedImage pushed = image.image();
            table.row(image.label(), Integer.toString(pushed.layers().size()), Format.bytes(pushed.layerBytes()));
            report.figure("images.image." + (image.function()).replace("images-", ""), image.label(),
                    Map.of("layers", pushed.layers().size(), "layer_bytes", pushed.layerBytes()));
        }
        if (images.python() == null) {
            table.row("Debian python3 image (realistic)", "—", "not built: " + images.pythonUnavailable());
        }
    }

    private void renderImports(Report report, List<Import> imports, BenchImages.Images images, TimedProcess.Outcome sha,
                               String serverRefused) {
        long shaBytes = images.large().layerBytes();
        double shaRate = shaBytes / 1e6 / (sha.nanos() / 1e9);
        Report.Table table = report.table("11a. Import: CreateFunction → Active, beside `sha256sum`",
                (serverRefused == null
                        ? "CreateFunction with PackageType Image and Code.ImageUri through the SDK to a server with "
                        + "`--auth none`, a fresh data directory and the disk chunk tier off, then GetFunctionConfiguration "
                        + "every " + POLL_MILLIS + " ms until State is Active: the server resolves the image, fetches "
                        + "each layer over loopback http, applies it to a tree and deletes the blob, builds the EROFS "
                        + "image (`mkfs.erofs`, owners from the tree) and ingests its two parts into encrypted chunks. "
                        + "Peak heap: this JVM's used heap, where the server runs, sampled every "
                        + ImportProbe.PERIOD_MILLIS + " ms (garbage included: an upper bound on what the import holds); "
                        + "live after GC: the most any collection during the import left. Peak scratch: the files under "
                        + "`<data>/chunks/scratch`, sampled as often."
                        : "**The server refused PackageType Image** (" + serverRefused + "), so this is the import "
                        + "as the server would run it, with the library in this JVM: `ImageImport` (registry client, "
                        + "layer by layer into a scratch tree) and a `TreeStore` that runs `mkfs.erofs` (owners from the "
                        + "tree) and chunk ingest into a local origin. Peak heap and scratch (import tree, layer blob "
                        + "and EROFS build) as the server path measures them.")
                        + " Baseline: `sha256sum` over the large image's layer files (the registry's blobs, the bytes "
                        + "the import fetches), spawn to exit, just before the imports. One sample each; MB/s is 10⁶ "
                        + "bytes of layers per second.",
                "image", "layer bytes", "EROFS image", "newly stored", "until Active", "MB/s", "÷ sha256sum",
                "peak heap (sampled)", "live after GC", "peak scratch", "scratch ÷ image");
        report.figure("images.import.sha256sum", "sha256sum over the large image's layer files (baseline)",
                Map.of("bytes", shaBytes, "ms", sha.nanos() / 1e6, "mb_per_s", shaRate));
        table.row("`sha256sum` over the large image's " + images.large().layers().size() + " layer files (baseline)",
                Format.bytes(shaBytes), "—", "—", Format.millis(sha.nanos() / 1e6), Format.megabytesPerSecond(shaRate),
                "—", "—", "—", "—", "—");
        for (Import imported : imports) {
            ImportProbe.Peaks p = imported.peaks();
            double ratio = report.ratio("images.import." + imported.function(), "images.import.sha256sum", "throughput",
                    imported.megabytesPerSecond(), shaRate);
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("layer_bytes", imported.image().layerBytes());
            values.put("image_bytes", imported.logicalBytes());
            values.put("stored_bytes", imported.storedBytes());
            values.put("until_active_ms", imported.nanos() / 1e6);
            values.put("mb_per_s", imported.megabytesPerSecond());
            values.put("heap_before_bytes", p.heapBeforeBytes());
            values.put("peak_heap_bytes", p.peakHeapBytes());
            values.put("peak_live_heap_bytes", p.peakLiveBytes());
            values.put("collections", p.collections());
            values.put("peak_scratch_bytes", p.peakScratchBytes());
            values.put("disk_used_bytes", p.diskUsedBytes());
            values.put("path", serverRefused == null ? "server" : "library");
            report.figure("images.import." + imported.function(), "import " + imported.label(), values);
            table.row(imported.label(), Format.bytes(imported.image().layerBytes()), Format.bytes(imported.logicalBytes()),
                    Format.bytes(imported.storedBytes()), Format.millis(imported.nanos() / 1e6),
                    Format.megabytesPerSecond(imported.megabytesPerSecond()), Format.ratio(ratio),
                    Format.bytes(p.peakHeapBytes()) + " (before: " + Format.bytes(p.heapBeforeBytes()) + ")",
                    p.peakLiveBytes() < 0 ? "no GC ran" : Format.bytes(p.peakLiveBytes()) + " (" + p.collections() + " GCs)",
                    Format.bytes(p.peakScratchBytes()), Format.ratio((double) p.peakScratchBytes()
                            / imported.image().layerBytes()));
        }
        table.note("Budgets (issue 6): import peak heap < 1 GiB; peak scratch ≤ " + Format.ratio(SCRATCH_BUDGET)
                + " the image. No throughput budget; `sha256sum` is the floor of reading the bytes once.");
    }

    private void renderFirstInvokes(Report report, List<FirstInvoke> firsts, BenchImages.Images images) {
        Report.Table table = report.table("11b. Lazy loading: bytes fetched at an image's first invoke",
                "Each image's first invoke (a cold start; 1,769 MB; a 1 KB event echoed) on the server of 11a restarted "
                        + "on the same data directory with nothing in its memory tier and the disk tier off, so every "
                        + "chunk the sandbox read came from the origin; one restart per image. Fetched: the change of the "
                        + "origin tier's `BytesServed` in `GET /kindling/2026-11-27/storage` (ciphertext, chunks of up "
                        + "to 2 MiB) over the stored EROFS image's size (11a). One sample each.",
                "image", "EROFS image", "fetched from the origin", "origin chunk reads", "share of the image",
                "first invoke (cold, one sample)");
        for (FirstInvoke first : firsts) {
            report.figure("images.first_invoke." + first.image().function(), "bytes fetched at the first invoke, "
                    + first.label(), Map.of("image_bytes", first.image().logicalBytes(), "fetched_bytes", first.fetched(),
                    "origin_reads", first.reads(), "share", first.share(), "invoke_ms", first.nanos() / 1e6));
            table.row(first.label(), Format.bytes(first.image().logicalBytes()), Format.bytes(first.fetched()),
                    String.format("%,d", first.reads()), percent(first.share()), Format.millis(first.nanos() / 1e6));
        }
        if (images.python() == null) {
            table.row("Debian python3 image (realistic)", "—", "—", "—", "—", "not built: " + images.pythonUnavailable());
        }
        table.note("Anchors: Lambda fetches only the chunks a sandbox reads; Slacker (FAST'16) found 6.4% of container "
                + "image bytes read at start. Budget (architecture): ≤ 1% of a 10 GiB image with a small handler, "
                + "≤ 10% of a typical one.");
    }

    private void renderColdStarts(Report report, ColdStartBench.Series bare, ColdSeries small, ColdSeries large,
                                  ProvidedBootstraps.Bootstrap bootstrap, double cpuPressure) {
        Report.Table table = report.table("11c. Cold start: small image beside the large one",
                "The two image functions of 11a (" + bootstrap.label() + ", 1,769 MB) on their server restarted with "
                        + "the default disk tier, an idle timeout of " + ColdStartBench.IDLE_TIMEOUT.toMillis() + " ms "
                        + "and an unmount grace of " + UNMOUNT_GRACE.toMillis() + " ms. Each sample runs `sync`, waits "
                        + "until every sandbox is gone and every image unmounted, then " + ColdStartBench.SETTLE.toMillis()
                        + " ms, and times the invoke, sent → whole answer at the client (raw keep-alive client; "
                        + (bootstrap.reportsClock() ? "the event `\"clock\"`, which the C runtime answers with its "
                        + "clock, as in 8" : "a 1 KB event echoed") + "; exactly one sandbox start each): a new execution environment whose image is "
                        + "mounted afresh, its chunks in the worker's memory or disk tier after the first round. "
                        + "Baseline: the same bootstrap spawned bare by this JVM against a fake Runtime API, after the "
                        + "same wait. The three take turns; 1 unmeasured round, then " + settings.imageColdStarts()
                        + " measured. \"To sandbox start\": invoke sent → the sandbox driver begins (frontend, the "
                        + "image's mount, pool). \"Fetched\": disk and origin bytes served during the invoke.",
                "path", "n", "p50", "p99", "max", "to sandbox start, p50", "fetched, p50", "p50 ÷ bare",
                "p50 ÷ small", "p99 ÷ small");
        Latency bareLatency = bare.latency();
        report.latency(bare.id, bare.label, bareLatency, Map.of());
        table.row(bare.label, String.format("%,d", bareLatency.count()), Format.millis(bareLatency.p50Ms()),
                Format.millis(bareLatency.p99Ms()), Format.millis(bareLatency.maxMs()), "—", "—", "—", "—", "—");
        Latency smallLatency = Latency.of(small.total());
        Map<String, Latency> lines = new LinkedHashMap<>();
        lines.put(Charts.legend(bare.label), bareLatency);
        for (ColdSeries series : List.of(small, large)) {
            Latency latency = Latency.of(series.total());
            lines.put(Charts.legend(series.label()), latency);
            double toSandbox = series.toSandbox().getValueAtPercentile(50) / 1e6;
            report.latency(series.id(), series.label(), latency, Map.of("to_sandbox_start_p50_ms", toSandbox,
                    "fetched_bytes_p50", series.medianFetched()));
            boolean isLarge = series == large;
            table.row(series.label(), String.format("%,d", latency.count()), Format.millis(latency.p50Ms()),
                    Format.millis(latency.p99Ms()), Format.millis(latency.maxMs()), Format.millis(toSandbox),
                    Format.bytes(series.medianFetched()),
                    Format.ratio(report.ratio(series.id(), bare.id, "p50", latency.p50Ms(), bareLatency.p50Ms())),
                    isLarge ? Format.ratio(report.ratio(large.id(), small.id(), "p50", latency.p50Ms(),
                            smallLatency.p50Ms())) : "—",
                    isLarge ? Format.ratio(report.ratio(large.id(), small.id(), "p99", latency.p99Ms(),
                            smallLatency.p99Ms())) : "—");
        }
        table.note("Budget (issue 6): the large image's cold start ≤ " + Format.ratio(COLD_RATIO_BUDGET) + " the small "
                + "image's at p50 and p99 (Lambda: no added latency for a 10 GiB image). With " + settings.imageColdStarts()
                + " samples per row, p99 is the largest sample.");
        table.note("CPU pressure during this section: " + CpuPressure.describe(cpuPressure) + ".");
        report.runFact("cpu_pressure_pct.images_cold", cpuPressure);
        table.chart("11c-image-cold-start", Charts.percentiles("11c. Cold start: small image beside the large one",
                "invoke sent → whole answer at the client, image mounted afresh, beside the bootstrap started bare",
                lines));
        Report.Table parts = report.table("11c-b. Where an image function's cold start goes",
                "Medians of each part over the measured samples of 11c (medians do not add up to the median total). "
                        + "The mount's end is `ImageMounts`' own INFO line (\"mounted …\", after `mount` succeeded), "
                        + "the driver's steps its debug line as in 8b; "
                        + (bootstrap.reportsClock() ? "the C runtime answers the event `\"clock\"` with when its main() "
                        + "began and its first /next was read (CLOCK_MONOTONIC, the clock of System.nanoTime)."
                        : "the sh runtime reports no clock, so the runtime's parts are missing."),
                "part (median over samples)", "small image", "large image", "large − small");
        for (Part part : Part.values()) {
            double smallMs = small.medianMs(part);
            double largeMs = large.medianMs(part);
            parts.row(part.label, smallMs < 0 ? "—" : Format.millis(smallMs), largeMs < 0 ? "—" : Format.millis(largeMs),
                    smallMs < 0 || largeMs < 0 ? "—" : signedMillis(largeMs - smallMs));
            Map<String, Object> values = new LinkedHashMap<>();
            if (smallMs >= 0) {
                values.put(small.id(), smallMs);
            }
            if (largeMs >= 0) {
                values.put(large.id(), largeMs);
            }
            report.figure("images.cold.part." + part.name().toLowerCase(Locale.ROOT), part.label,
                    Map.of("p50_ms", values));
        }
        double smallTotal = small.total().getValueAtPercentile(50) / 1e6;
        double largeTotal = large.total().getValueAtPercentile(50) / 1e6;
        parts.row("total (median of whole cold starts)", Format.millis(smallTotal), Format.millis(largeTotal),
                signedMillis(largeTotal - smallTotal));
        Map<String, List<Duration>> bars = new LinkedHashMap<>();
        for (ColdSeries series : List.of(small, large)) {
            bars.put(series == small ? "small image" : "large image", Arrays.stream(Part.values())
                    .map(part -> series.medianMs(part) < 0 ? Duration.ZERO
                            : Duration.ofNanos(Math.round(series.medianMs(part) * 1e6))).toList());
        }
        parts.chart("11c-b-image-cold-start-phases", Charts.phases("11c-b. Where an image function's cold start goes",
                "median of each part over the samples of 11c (medians do not add up to the median total)",
                Arrays.stream(Part.values()).map(part -> Charts.legend(part.label)).toList(), bars));
    }

    private static String signedMillis(double ms) {
        return (ms < 0 ? "−" : "+") + Format.millis(Math.abs(ms));
    }

    // ---- budgets ----

    private void budgets(Report report, List<Import> imports, List<FirstInvoke> firsts, ColdStarts cold,
                         BenchImages.Images images) {
        Report.Table table = report.table("11. Container images against the budgets",
                "From tables 11a to 11c of this run.", "figure", "Kindling", "baseline (same run)", "budget / anchor",
                "verdict");
        budgetTable = table;
        Import large = imports.get(1);
        ImportProbe.Peaks p = large.peaks();
        boolean heapMet = p.peakHeapBytes() < HEAP_BUDGET_BYTES;
        table.row("import of the " + Format.bytes(large.image().layerBytes()) + " image: peak heap (sampled, garbage "
                        + "included)", Format.bytes(p.peakHeapBytes()), "before the import " + Format.bytes(p.heapBeforeBytes())
                        + (p.peakLiveBytes() < 0 ? "" : "; live after GC at most " + Format.bytes(p.peakLiveBytes())),
                "< 1 GiB (" + Format.bytes(HEAP_BUDGET_BYTES) + ")", verdict(heapMet, Format.bytes(p.peakHeapBytes())));
        report.figure("images.budget.import_heap", "import peak heap", Map.of("peak_heap_bytes", p.peakHeapBytes(),
                "budget_bytes", HEAP_BUDGET_BYTES, "met", heapMet));
        double scratchShare = (double) p.peakScratchBytes() / large.image().layerBytes();
        boolean scratchMet = scratchShare <= SCRATCH_BUDGET;
        long scratchMargin = Math.round(SCRATCH_BUDGET * large.image().layerBytes()) - p.peakScratchBytes();
        table.row("import of the large image: peak scratch disk", Format.bytes(p.peakScratchBytes()),
                "the image's layers " + Format.bytes(large.image().layerBytes()), "≤ " + Format.ratio(SCRATCH_BUDGET)
                        + " the image = " + Format.bytes(Math.round(SCRATCH_BUDGET * large.image().layerBytes())),
                verdict(scratchMet, String.format(Locale.ROOT, "%.4f× the image, ", scratchShare)
                        + (scratchMet ? Format.bytes(scratchMargin) + " to spare"
                        : "over by " + Format.bytes(-scratchMargin))));
        report.figure("images.budget.import_scratch", "import peak scratch ÷ image", Map.of("share", scratchShare,
                "budget_share", SCRATCH_BUDGET, "met", scratchMet));
        table.row("import of the large image: throughput", Format.megabytesPerSecond(large.megabytesPerSecond()),
                "see 11a (`sha256sum`)", "no budget", "—");
        if (firsts == null) {
            table.note("The first-invoke and cold-start figures (11b, 11c) were not measured in this run: see above.");
            return;
        }
        FirstInvoke largeFirst = firsts.get(1);
        boolean readMet = largeFirst.share() <= LARGE_IMAGE_READ_BUDGET;
        table.row("bytes fetched at the first invoke, large image", percent(largeFirst.share()) + " ("
                        + Format.bytes(largeFirst.fetched()) + ")", "small image " + percent(firsts.get(0).share()) + " ("
                        + Format.bytes(firsts.get(0).fetched()) + ")", "≤ 1% (architecture); Slacker: 6.4% read at start",
                verdict(readMet, percent(largeFirst.share())));
        report.figure("images.budget.first_invoke_read", "bytes fetched at the first invoke ÷ image, large image",
                Map.of("share", largeFirst.share(), "budget_share", LARGE_IMAGE_READ_BUDGET, "met", readMet));
        if (firsts.size() > 2) {
            FirstInvoke python = firsts.get(2);
            table.row("bytes fetched at the first invoke, Debian python3 image", percent(python.share()) + " ("
                            + Format.bytes(python.fetched()) + ")", "the whole image " + Format.bytes(
                            python.image().logicalBytes()), "anchor: Slacker 6.4%; ≤ 10% typical (architecture)",
                    python.share() <= SLACKER_READ ? "below Slacker's 6.4%" : "above Slacker's 6.4%");
        } else if (images != null && images.python() == null) {
            table.row("bytes fetched at the first invoke, Debian python3 image", "—", "—", "anchor: Slacker 6.4%",
                    "not measured: " + images.pythonUnavailable());
        }
        if (cold == null) {
            return;
        }
        Latency smallCold = Latency.of(cold.small().total());
        Latency largeCold = Latency.of(cold.large().total());
        coldRatio(report, table, "p50", largeCold.p50Ms(), smallCold.p50Ms(), cold.bare().p50Ms());
        coldRatio(report, table, "p99", largeCold.p99Ms(), smallCold.p99Ms(), cold.bare().p99Ms());
    }

    private static void coldRatio(Report report, Report.Table table, String statistic, double largeMs, double smallMs,
                                  double bareMs) {
        double ratio = largeMs / smallMs;
        boolean met = ratio <= COLD_RATIO_BUDGET;
        table.row("cold start, large image, " + statistic, Format.millis(largeMs), "small image " + Format.millis(smallMs)
                        + "; bare bootstrap " + Format.millis(bareMs), "≤ " + Format.ratio(COLD_RATIO_BUDGET)
                        + " the small image = " + Format.millis(COLD_RATIO_BUDGET * smallMs),
                verdict(met, Format.ratio(ratio) + " the small image"));
        report.figure("images.budget.cold_" + statistic, "cold start large ÷ small image, " + statistic,
                Map.of("large_ms", largeMs, "small_ms", smallMs, "ratio", ratio, "budget_ratio", COLD_RATIO_BUDGET,
                        "met", met));
    }

    private static String verdict(boolean met, String how) {
        return met ? "met, " + how : "**missed**: " + how;
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, share < 0.1 ? "%.2f%%" : "%.1f%%", 100 * share);
    }

    private static void skipped(Report report, String title, String why) {
        RoundTripBench.progress("images: skipped: " + why);
        report.runFact("images_skipped", why);
        report.table(title, why, "figure", "value").row("—", "—");
    }
}
