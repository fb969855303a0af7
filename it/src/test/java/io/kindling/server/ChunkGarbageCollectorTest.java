package io.kindling.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.LocalCodeStore;
import io.kindling.chunks.PackageLimits;
import io.kindling.chunks.ZipPackageInspector;
import io.kindling.chunks.crypto.Digest256;
import io.kindling.chunks.image.ErofsBuilder;
import io.kindling.chunks.image.ErofsImage;
import io.kindling.chunks.image.ImagePart;
import io.kindling.chunks.manifest.Manifest;
import io.kindling.chunks.manifest.ManifestCorruptException;
import io.kindling.chunks.read.ImageReader;
import io.kindling.registry.FunctionSettings;
import io.kindling.registry.Registry;
import io.kindling.wire.ChunkGcReport;
import io.kindling.wire.LoggingConfig;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collection of the chunk store on real files: a real registry decides what is referenced, real EROFS images
 * are stored as chunks, and real mounts hold images.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ChunkGarbageCollectorTest {
    private static final FunctionSettings SETTINGS = new FunctionSettings("Zip", "provided.al2023",
            "arn:aws:iam::1:role/r", "bootstrap", "", 3, 128, Map.of(), 512, List.of("x86_64"), "PassThrough",
            new LoggingConfig("Text", null, null, null));

    @TempDir
    Path dir;
    Path data;
    CodeImageStore store;
    Registry registry;

    @BeforeEach
    void open() throws Exception {
        data = Files.createDirectories(dir.resolve("data"));
        store = CodeImageStore.open(data, ChunkStoreConfig.defaults());
        registry = new Registry(data.resolve("registry.db"), new LocalCodeStore(data.resolve("code")),
                Clock.systemUTC(), new Registry.ConcurrencyLimits(1000, 100));
    }

    @AfterEach
    void close() {
        registry.close();
    }

    private ChunkGarbageCollector collector(Duration grace) {
        return new ChunkGarbageCollector(store, registry, grace, Clock.systemUTC());
    }

    /** A function whose zip is unique to {@code name}; its image is whatever tree the test stores for it. */
    private String createFunction(String name) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("bootstrap"));
            zip.write(name.getBytes());
        }
        Path file = Files.createTempFile(dir, "stage", ".zip");
        Files.write(file, bytes.toByteArray());
        Registry.StagedCode code = new Registry.StagedCode(file,
                new ZipPackageInspector().inspect(file, PackageLimits.lambdaDefaults()));
        registry.createFunction(name, SETTINGS, code, Map.of(), false);
        return code.summary().sha256Hex();
    }

    /** A tree of files, each {@code size} random bytes from its seed. */
    private Path tree(String name, Map<String, long[]> files) throws Exception {
        Path tree = Files.createDirectories(dir.resolve("trees").resolve(name));
        for (Map.Entry<String, long[]> file : files.entrySet()) {
            byte[] bytes = new byte[(int) file.getValue()[1]];
            new Random(file.getValue()[0]).nextBytes(bytes);
            Files.write(tree.resolve(file.getKey()), bytes);
        }
        return tree;
    }

    private Path chunkFile(Digest256 name) {
        return data.resolve("chunks/origin").resolve(name.hex().substring(0, 2)).resolve(name.hex());
    }

    private Set<Digest256> storedChunks() throws Exception {
        Set<Digest256> names = new HashSet<>();
        try (Stream<Path> files = Files.walk(data.resolve("chunks/origin"))) {
            files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).filter(Digest256::isHex)
                    .forEach(hex -> names.add(Digest256.fromHex(hex)));
        }
        return names;
    }

    private Manifest manifest(String sha256) throws Exception {
        return store.manifest(sha256).orElseThrow();
    }

    /** Every byte of the stored image, read through the chunk store, equals a fresh build of the same tree. */
    private void assertReadsBackAs(String sha256, Path tree) throws Exception {
        Path build = Files.createTempDirectory(dir, "rebuild");
        ErofsImage rebuilt = new ErofsBuilder().build(tree, build.resolve("meta"), build.resolve("blob"));
        ImageReader reader = new ImageReader(manifest(sha256), store.newCache(64L << 20, 0));
        for (ImagePart part : ImagePart.values()) {
            byte[] expected = Files.readAllBytes(rebuilt.file(part));
            assertThat(reader.read(part.fileName(), 0, expected.length)).as("%s of %s", part, sha256)
                    .isEqualTo(expected);
        }
    }

    @Test
    void aDeletedFunctionsUniqueChunksAndManifestGoWhileChunksSharedWithALiveOneStay() throws Exception {
        String keep = createFunction("keep");
        String drop = createFunction("drop");
        Path keepTree = tree("keep", Map.of("shared.bin", new long[] {1, 3_000_000}, "own.bin", new long[] {2, 1_500_000}));
        Path dropTree = tree("drop", Map.of("shared.bin", new long[] {1, 3_000_000}, "own.bin", new long[] {3, 1_500_000}));
        store.store(keep, keepTree);
        store.store(drop, dropTree);
        Set<Digest256> keepChunks = manifest(keep).chunkNames();
        Set<Digest256> dropOnly = new HashSet<>(manifest(drop).chunkNames());
        dropOnly.removeAll(keepChunks);
        assertThat(dropOnly).isNotEmpty();
        assertThat(manifest(drop).chunkNames()).as("the shared file's chunks are stored once")
                .containsAnyElementsOf(keepChunks);
        long dropOnlyBytes = 0;
        for (Digest256 chunk : dropOnly) {
            dropOnlyBytes += Files.size(chunkFile(chunk));
        }

        registry.deleteFunction("drop");
        ChunkGcReport report;
        try (ChunkGarbageCollector collector = collector(Duration.ZERO)) {
            report = collector.collect();
        }

        assertThat(store.hasImage(drop)).isFalse();
        assertThat(storedChunks()).containsExactlyInAnyOrderElementsOf(keepChunks);
        assertThat(report.manifestsDeleted()).isEqualTo(1);
        assertThat(report.manifestsKept()).isEqualTo(1);
        assertThat(report.chunksDeleted()).isEqualTo(dropOnly.size());
        assertThat(report.bytesFreed()).isEqualTo(dropOnlyBytes);
        assertThat(report.chunksKept()).isEqualTo(keepChunks.size());
        assertReadsBackAs(keep, keepTree);
    }

    @Test
    void aDeletedVersionFreesItsImageWhileTheFunctionsCurrentCodeStays() throws Exception {
        String first = createFunction("versioned");
        Path firstTree = tree("first", Map.of("app.bin", new long[] {4, 1_000_000}));
        store.store(first, firstTree);
        registry.codeReady("versioned", first);
        registry.publishVersion("versioned", null, "", null);
        // $LATEST moves on to other code; version 1 alone keeps the first.
        Path zip = Files.createTempFile(dir, "second", ".zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry("bootstrap"));
            out.write("second".getBytes());
        }
        Registry.StagedCode secondCode = new Registry.StagedCode(zip,
                new ZipPackageInspector().inspect(zip, PackageLimits.lambdaDefaults()));
        registry.updateCode("versioned", secondCode, null, false);
        String second = secondCode.summary().sha256Hex();
        Path secondTree = tree("second", Map.of("app.bin", new long[] {5, 1_000_000}));
        store.store(second, secondTree);

        try (ChunkGarbageCollector collector = collector(Duration.ZERO)) {
            assertThat(collector.collect().manifestsDeleted()).as("version 1 still uses the first code").isZero();
            registry.deleteVersion("versioned", 1);
            assertThat(collector.collect().manifestsDeleted()).isEqualTo(1);
        }

        assertThat(store.hasImage(first)).isFalse();
        assertThat(storedChunks()).containsExactlyInAnyOrderElementsOf(manifest(second).chunkNames());
        assertReadsBackAs(second, secondTree);
    }

    @Test
    void collectionsRunningThroughoutOverlappingIngestsNeverTakeAChunkAManifestNames() throws Exception {
        // Each package: one file every package has, one shared by a group of three, and one own file that two
        // packages have alike (so the second ingest of it reuses every chunk). Each ingest thread deletes its previous
        // function once the next is stored, so collection has garbage to take, much of it chunks an ingest on another
        // thread is reusing that moment.
        int packages = 24;
        int threads = 3;
        Map<Integer, String> shas = new java.util.concurrent.ConcurrentHashMap<>();
        Map<Integer, Path> trees = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicBoolean ingesting = new AtomicBoolean(true);
        AtomicLong passes = new AtomicLong();
        AtomicLong chunksDeleted = new AtomicLong();
        try (ChunkGarbageCollector collector = collector(Duration.ZERO);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> collecting = pool.submit(() -> {
                while (ingesting.get()) {
                    chunksDeleted.addAndGet(collector.collect().chunksDeleted());
                    passes.incrementAndGet();
                }
                return null;
            });
            List<Future<?>> ingests = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                ingests.add(pool.submit(() -> {
                    for (int i = thread; i < packages; i += threads) {
                        String sha = createFunction("f" + i);
                        Path tree = tree("p" + i, Map.of("common.bin", new long[] {1000, 700_000},
                                "group.bin", new long[] {2000 + i / 3, 900_000},
                                "own.bin", new long[] {3000 + i / 2, 600_000}));
                        store.store(sha, tree);
                        shas.put(i, sha);
                        trees.put(i, tree);
                        if (i >= threads) {
                            registry.deleteFunction("f" + (i - threads));
                        }
                    }
                    return null;
                }));
            }
            try {
                for (Future<?> ingest : ingests) {
                    ingest.get();
                }
            } finally {
                ingesting.set(false);
            }
            collecting.get();
            collector.collect();
        }

        assertThat(passes.get()).as("collections ran during the ingests").isGreaterThan(3);
        assertThat(chunksDeleted.get()).as("and took the deleted functions' chunks").isPositive();
        Set<Digest256> stored = storedChunks();
        Set<Digest256> live = new HashSet<>();
        for (int i = 0; i < packages; i++) {
            boolean deleted = i < packages - threads;
            assertThat(store.hasImage(shas.get(i))).as("image of package %d", i).isEqualTo(!deleted);
            if (!deleted) {
                Set<Digest256> names = manifest(shas.get(i)).chunkNames();
                assertThat(stored).as("chunks of package %d", i).containsAll(names);
                live.addAll(names);
                assertReadsBackAs(shas.get(i), trees.get(i));
            }
        }
        assertThat(stored).as("nothing but the live images' chunks is left").containsExactlyInAnyOrderElementsOf(live);
    }

    @Test
    void aMountedImageOfADeletedFunctionKeepsItsManifestAndChunksUntilItIsUnmounted() throws Exception {
        String sha = createFunction("mounted");
        Path tree = tree("mounted", Map.of("payload.bin", new long[] {6, 2_000_000}));
        store.store(sha, tree);
        Set<Digest256> chunks = manifest(sha).chunkNames();
        ChunkStoreConfig config = ChunkStoreConfig.defaults().withUnmountGrace(Duration.ofHours(1));
        CodeImages images = CodeImages.start(Files.createDirectories(data.resolve("mounts")),
                Files.createDirectories(data.resolve("chunks/materialized")), store, config);
        Path root;
        try {
            root = images.codeDir(sha, s -> {
                throw new AssertionError("this host mounts images");
            });
            registry.deleteFunction("mounted");

            try (ChunkGarbageCollector collector = collector(Duration.ZERO)) {
                ChunkGcReport whileMounted = collector.collect();
                assertThat(whileMounted.manifestsDeleted()).isZero();
                assertThat(whileMounted.chunksDeleted()).isZero();
            }
            assertThat(storedChunks()).containsAll(chunks);
            // Read through the mount, from the origin: the chunks are all there.
            assertThat(Files.readAllBytes(root.resolve("payload.bin")))
                    .isEqualTo(Files.readAllBytes(tree.resolve("payload.bin")));
        } finally {
            images.close();
        }

        try (ChunkGarbageCollector collector = collector(Duration.ZERO)) {
            ChunkGcReport unmounted = collector.collect();
            assertThat(unmounted.manifestsDeleted()).isEqualTo(1);
            assertThat(unmounted.chunksDeleted()).isEqualTo(chunks.size());
        }
        assertThat(store.hasImage(sha)).isFalse();
        assertThat(storedChunks()).isEmpty();
    }

    @Test
    void anUnusedManifestAndAChunkYoungerThanTheGraceStay() throws Exception {
        String sha = createFunction("young");
        store.store(sha, tree("young", Map.of("app.bin", new long[] {7, 1_000_000})));
        Set<Digest256> chunks = manifest(sha).chunkNames();
        registry.deleteFunction("young");

        try (ChunkGarbageCollector collector = collector(Duration.ofHours(1))) {
            ChunkGcReport report = collector.collect();
            assertThat(report.manifestsDeleted()).isZero();
            assertThat(report.chunksDeleted()).isZero();
            assertThat(report.chunksKept()).isEqualTo(chunks.size());
        }
        assertThat(store.hasImage(sha)).isTrue();
        assertThat(storedChunks()).containsExactlyInAnyOrderElementsOf(chunks);

        try (ChunkGarbageCollector collector = collector(Duration.ZERO)) {
            assertThat(collector.collect().chunksDeleted()).isEqualTo(chunks.size());
        }
        assertThat(storedChunks()).isEmpty();
    }

    @Test
    void aKeptManifestThatCannotBeReadStopsThePassBeforeTheSweep() throws Exception {
        String live = createFunction("live");
        store.store(live, tree("live", Map.of("app.bin", new long[] {8, 500_000})));
        String dead = createFunction("dead");
        store.store(dead, tree("dead", Map.of("app.bin", new long[] {9, 500_000})));
        registry.deleteFunction("dead");
        Set<Digest256> before = storedChunks();
        byte[] sealed = Files.readAllBytes(store.manifestFile(live));
        sealed[sealed.length - 1] ^= 1;
        Files.write(store.manifestFile(live), sealed);

        try (ChunkGarbageCollector collector = collector(Duration.ZERO)) {
            assertThatThrownBy(collector::collect).isInstanceOf(ManifestCorruptException.class);
        }

        assertThat(storedChunks()).as("no chunk is swept without a complete mark").isEqualTo(before);
    }
}
