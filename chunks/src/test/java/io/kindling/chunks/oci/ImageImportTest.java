package io.kindling.chunks.oci;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.cdc.ChunkSizes;
import io.kindling.chunks.cdc.FastCdc;
import io.kindling.chunks.crypto.ConvergentEncryption;
import io.kindling.chunks.crypto.MasterKey;
import io.kindling.chunks.crypto.Salt;
import io.kindling.chunks.crypto.SaltSchedule;
import io.kindling.chunks.image.ErofsBuilder;
import io.kindling.chunks.image.ErofsBuilder.Ownership;
import io.kindling.chunks.image.ErofsImage;
import io.kindling.chunks.image.ImageBuildException;
import io.kindling.chunks.image.HostCommand;
import io.kindling.chunks.ingest.ChunkIngest;
import io.kindling.chunks.ingest.IngestedImage;
import io.kindling.chunks.ingest.Tally;
import io.kindling.chunks.oci.layers.FlattenLimits;
import io.kindling.chunks.oci.layers.FlattenReport;
import io.kindling.chunks.oci.layers.LayerFlattener;
import io.kindling.chunks.oci.layers.LayerRejected;
import io.kindling.chunks.oci.layers.TestLayer;
import io.kindling.chunks.oci.registry.ContainerConfig;
import io.kindling.chunks.oci.registry.Descriptor;
import io.kindling.chunks.oci.registry.ImageReference;
import io.kindling.chunks.oci.registry.LocalRegistry;
import io.kindling.chunks.oci.registry.OciLayoutBuilder;
import io.kindling.chunks.oci.registry.OciLayoutSource;
import io.kindling.chunks.oci.registry.Platform;
import io.kindling.chunks.oci.registry.PulledImage;
import io.kindling.chunks.oci.registry.RegistryClient;
import io.kindling.chunks.oci.registry.RegistryPullException;
import io.kindling.chunks.oci.registry.RegistrySettings;
import io.kindling.chunks.origin.LocalDirectoryOrigin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imports what a real skopeo pushed into a real registry (Debian's docker-registry), through the real
 * flattener, mkfs.erofs and chunk ingest into a local origin.
 */
class ImageImportTest {
    /** Small chunks, so a few MB of layers make many of them and sharing shows. */
    private static final ChunkSizes SIZES = new ChunkSizes(8 * 1024, 32 * 1024, 128 * 1024);

    @TempDir Path dir;
    private LocalRegistry registry;
    private OciLayoutBuilder layout;
    private RegistryClient client;
    private ImageImport imports;
    private Path scratch;
    private ChunkIngest ingest;
    private Salt salt;
    private int layerFiles;

    @BeforeAll
    static void needsErofsUtils() throws Exception {
        HostCommand.Result help = HostCommand.run(List.of("mkfs.erofs", "--help"), Duration.ofSeconds(10));
        assertThat(help.outputTail()).as("mkfs.erofs --help").contains("--blobdev");
    }

    @BeforeEach
    void start() throws Exception {
        registry = LocalRegistry.start(dir.resolve("registry"));
        layout = new OciLayoutBuilder(dir.resolve("layout"));
        client = new RegistryClient(RegistrySettings.defaults());
        imports = new ImageImport(client, new LayerFlattener(), FlattenLimits.lambdaDefaults());
        scratch = Files.createDirectories(dir.resolve("scratch"));
        ingest = new ChunkIngest(new FastCdc(SIZES), new ConvergentEncryption(), new LocalDirectoryOrigin(dir.resolve("origin")));
        salt = new SaltSchedule(MasterKey.generate(), Duration.ofDays(7), Clock.systemUTC()).forEpoch(1);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        registry.close();
    }

    @Test
    void aWhiteoutInTheSecondLayerHidesTheBaseFileAndTheRestKeepsOwnersAndModes() throws Exception {
        Descriptor base = layer(new TestLayer().dir("etc")
                .file("etc/keep", "kept\n".getBytes(), 0640, 0, 42)
                .file("etc/gone", "deleted above\n".getBytes(), 0644, 0, 0)
                .dir("home/app", 0750, 1000, 1000)
                .file("home/app/handler.py", "v1\n".getBytes(), 0644, 1000, 1000)
                .symlink("bin", "usr/bin"));
        Descriptor top = layer(new TestLayer().whiteout("etc", "gone")
                .file("home/app/new.txt", "new\n".getBytes(), 0600, 1000, 1000));
        Descriptor manifest = layout.image("v1", Platform.LINUX_AMD64, List.of(base, top));
        registry.push(layout, "v1", "team/fn:v1", false);

        ImportedImage<Map<String, String>> imported = imports.run(registry.image("team/fn:v1"), Platform.LINUX_AMD64,
                scratch, (pulled, tree, flattened) -> snapshot(tree));

        assertThat(imported.stored()).containsExactlyEntriesOf(new TreeMap<>(Map.of(
                "bin", "link 0:0 -> usr/bin",
                "etc", "dir 0:0 0755",
                "etc/keep", "file 0:42 0640 kept\n",
                "home", "dir 0:0 0755",
                "home/app", "dir 1000:1000 0750",
                "home/app/handler.py", "file 1000:1000 0644 v1\n",
                "home/app/new.txt", "file 1000:1000 0600 new\n")));
        assertThat(imported.resolved().toString()).as("pinned to the platform manifest")
                .isEqualTo(registry.address() + "/team/fn@" + manifest.digest());
        assertThat(imported.config()).isEqualTo(new ContainerConfig(List.of("/bin/handler"), List.of("serve"),
                Optional.of("/var/task"), List.of("PATH=/usr/bin:/bin"), Optional.of("1000"), "linux", "amd64"));
        assertThat(imported.flattened().whiteouts()).isEqualTo(1);
        assertThat(imported.flattened().files()).isEqualTo(4);
        assertThat(scratch).as("scratch after the import").isEmptyDirectory();
    }

    @Test
    void anOciLayoutOnDiskImportsAsTheSameImageTheRegistryGives() throws Exception {
        Descriptor base = layer(new TestLayer().dir("etc").file("etc/keep", "kept\n".getBytes(), 0640, 0, 42));
        Descriptor top = layer(new TestLayer().file("etc/more", "more\n"));
        Descriptor manifest = layout.image("v1", Platform.LINUX_AMD64, List.of(base, top));
        registry.push(layout, "v1", "fn:v1", false);
        ImageImport fromLayout = new ImageImport(new OciLayoutSource(layout.dir(), RegistrySettings.LAMBDA_IMAGE_LIMIT),
                new LayerFlattener(), FlattenLimits.lambdaDefaults());

        ImportedImage<Map<String, String>> local = fromLayout.run(ImageReference.parse("kindling.local/fn:v1"),
                Platform.LINUX_AMD64, scratch, (pulled, tree, flattened) -> snapshot(tree));
        ImportedImage<Map<String, String>> pulled = imports.run(registry.image("fn:v1"), Platform.LINUX_AMD64,
                scratch, (image, tree, flattened) -> snapshot(tree));

        assertThat(local.stored()).isEqualTo(pulled.stored()).containsEntry("etc/more", "file 0:0 0644 more\n");
        assertThat(local.resolved().toString()).isEqualTo("kindling.local/fn@" + manifest.digest());
        assertThat(local.config()).isEqualTo(pulled.config());
        assertThat(layout.dir().resolve("blobs/sha256").resolve(base.digest().hex())).as("the layout keeps its blobs")
                .exists();
        assertThat(scratch).isEmptyDirectory();
    }

    @Test
    void aLayerTheCacheKeptIsNotFetchedByTheNextImportAndTheCacheStaysWithinItsBound() throws Exception {
        Descriptor base = layer(new TestLayer().file("base.txt", "shared base\n"));
        Descriptor one = layer(new TestLayer().file("one.txt", "one\n"));
        Descriptor two = layer(new TestLayer().file("two.txt", "two\n"));
        byte[] noise = new byte[600_000];
        new java.util.Random(6).nextBytes(noise);
        Descriptor big = layer(new TestLayer().file("big.bin", noise, 0644, 0, 0));
        layout.image("one", Platform.LINUX_AMD64, List.of(base, one));
        registry.push(layout, "one", "fn:one", false);
        layout.image("two", Platform.LINUX_AMD64, List.of(base, two, big));
        registry.push(layout, "two", "fn:two", false);
        long bound = 4 * (base.size() + one.size() + two.size()) + 100;
        assertThat(big.size()).as("the big layer is over a quarter of the bound").isGreaterThan(bound / 4);
        LayerCache cache = LayerCache.open(dir.resolve("layers"), bound);
        ImageImport cached = new ImageImport(client, new LayerFlattener(), FlattenLimits.lambdaDefaults(), cache);

        cached.run(registry.image("fn:one"), Platform.LINUX_AMD64, scratch, (pulled, tree, flattened) -> null);
        ImportedImage<List<String>> second = cached.run(registry.image("fn:two"), Platform.LINUX_AMD64,
                scratch, (pulled, tree, flattened) -> {
                    try (Stream<Path> walk = Files.walk(tree)) {
                        return walk.map(p -> tree.relativize(p).toString()).toList();
                    }
                });

        assertThat(second.stored()).contains("base.txt", "two.txt", "big.bin");
        assertThat(registry.blobDownloads(base.digest())).as("the shared base, fetched by the first import only")
                .isEqualTo(1);
        assertThat(cache.contains(base.digest())).isTrue();
        assertThat(cache.contains(big.digest())).as("too big to keep").isFalse();
        assertThat(cache.keptBytes()).isLessThanOrEqualTo(bound);
        assertThat(scratch).isEmptyDirectory();

        // Reopened as after a restart: what was kept is still kept, and the least recently used goes first.
        LayerCache reopened = LayerCache.open(dir.resolve("layers"), base.size() + two.size());
        assertThat(reopened.contains(one.digest())).as("used least recently, over the new bound").isFalse();
        assertThat(reopened.contains(two.digest())).isTrue();
        assertThat(Files.exists(dir.resolve("layers").resolve(one.digest().fileName()))).isFalse();
    }

    @Test
    void aLayerListedTwiceIsFetchedOnce() throws Exception {
        Descriptor shared = layer(new TestLayer().file("a.txt", "a\n"));
        Descriptor other = layer(new TestLayer().file("b.txt", "b\n"));
        layout.image("twice", Platform.LINUX_AMD64, List.of(shared, other, shared));
        registry.push(layout, "twice", "fn:twice", false);

        ImportedImage<Map<String, String>> imported = imports.run(registry.image("fn:twice"), Platform.LINUX_AMD64,
                scratch, (pulled, tree, flattened) -> snapshot(tree));

        assertThat(imported.stored()).containsOnlyKeys("a.txt", "b.txt");
        assertThat(registry.blobDownloads(shared.digest())).isEqualTo(1);
        assertThat(scratch).isEmptyDirectory();
    }

    @Test
    void twoImagesSharingABaseLayerShareItsChunks() throws Exception {
        Descriptor base = layer(base());
        layout.image("one", Platform.LINUX_AMD64, List.of(base, layer(app("one"))));
        layout.image("two", Platform.LINUX_AMD64, List.of(base, layer(app("two"))));
        registry.push(layout, "one", "fn:one", false);
        registry.push(layout, "two", "fn:two", false);

        IngestedImage one = imports.run(registry.image("fn:one"), Platform.LINUX_AMD64, scratch, this::buildAndIngest).stored();
        IngestedImage two = imports.run(registry.image("fn:two"), Platform.LINUX_AMD64, scratch, this::buildAndIngest).stored();

        assertThat(one.report().unique().bytes()).as("the first image is new").isGreaterThan(one.report().total().bytes() / 2);
        assertThat(two.report().total().bytes()).isGreaterThan(2_000_000);
        assertThat(two.report().unique().bytes()).as("the second stores little beyond its own layer")
                .isLessThan(two.report().total().bytes() / 10);
        assertThat(scratch).isEmptyDirectory();
    }

    @Test
    void importingTheSameImageAgainStoresNothingAndGivesTheSameManifest() throws Exception {
        layout.image("v1", Platform.LINUX_AMD64, List.of(layer(base()), layer(app("v1"))));
        registry.push(layout, "v1", "fn:v1", false);

        ImportedImage<IngestedImage> first = imports.run(registry.image("fn:v1"), Platform.LINUX_AMD64, scratch, this::buildAndIngest);
        ImportedImage<IngestedImage> again = imports.run(registry.image("fn:v1"), Platform.LINUX_AMD64, scratch, this::buildAndIngest);

        assertThat(again.stored().report().unique()).as("new chunks on re-import").isEqualTo(Tally.NONE);
        assertThat(again.stored().manifest()).isEqualTo(first.stored().manifest());
        assertThat(again.stored().manifest().chunkNames()).isEqualTo(first.stored().manifest().chunkNames());
        assertThat(again.resolved()).isEqualTo(first.resolved());
        assertThat(scratch).isEmptyDirectory();
    }

    @Test
    void aTamperedBlobFailsTheImportAndLeavesNothingInScratch() throws Exception {
        Descriptor base = layer(new TestLayer().file("a.txt", "a\n"));
        Descriptor top = layer(new TestLayer().file("b.txt", "tampered with in the registry\n"));
        layout.image("v1", Platform.LINUX_AMD64, List.of(base, top));
        registry.push(layout, "v1", "fn:v1", false);
        Path stored = registry.blobData(top.digest());
        byte[] bytes = Files.readAllBytes(stored);
        bytes[bytes.length / 2] ^= 1;
        Files.write(stored, bytes);
        AtomicInteger stores = new AtomicInteger();

        assertThatThrownBy(() -> imports.run(registry.image("fn:v1"), Platform.LINUX_AMD64, scratch,
                (pulled, tree, flattened) -> stores.incrementAndGet()))
                .isInstanceOf(RegistryPullException.BadLayer.class)
                .hasMessageContaining(registry.address() + "/fn");
        assertThat(stores).as("the store is never given a partial tree").hasValue(0);
        assertThat(scratch).as("scratch after a failed import").isEmptyDirectory();
    }

    @Test
    void aLayerTheFlattenerRejectsFailsTheImportNamingTheImage() throws Exception {
        Descriptor base = layer(new TestLayer().file("a.txt", "a\n"));
        Descriptor escaping = layer(new TestLayer().file("../x", "outside the image\n"));
        Descriptor manifest = layout.image("evil", Platform.LINUX_AMD64, List.of(base, escaping));
        registry.push(layout, "evil", "fn:evil", false);

        assertThatThrownBy(() -> imports.run(registry.image("fn:evil"), Platform.LINUX_AMD64, scratch,
                (pulled, tree, flattened) -> snapshot(tree)))
                .isInstanceOfSatisfying(LayerRejected.class,
                        e -> assertThat(e.problem()).isEqualTo(LayerRejected.Problem.UNSAFE_PATH))
                .hasMessageContaining(registry.address() + "/fn@" + manifest.digest())
                .hasMessageContaining("Layer 2");
        assertThat(scratch).isEmptyDirectory();
        assertThat(dir.resolve("x")).doesNotExist();
        assertThat(scratch.resolveSibling("x")).doesNotExist();
    }

    /** Builds the tree's EROFS image keeping the layers' owners, and ingests it, as the server stores code. */
    private IngestedImage buildAndIngest(PulledImage pulled, Path tree,
            FlattenReport flattened) throws ImageBuildException, IOException {
        Path build = Files.createTempDirectory(dir, "build");
        ErofsImage image = new ErofsBuilder().build(tree, build.resolve("meta"), build.resolve("blob"), Ownership.FROM_TREE);
        Map<String, Path> parts = new LinkedHashMap<>();
        parts.put("meta", image.metadata());
        parts.put("blob", image.blob());
        return ingest.ingestImage(parts, salt);
    }

    /** A base layer of a few MB of incompressible files, owned by root. */
    private static TestLayer base() {
        Random random = new Random(1);
        TestLayer layer = new TestLayer().dir("usr").dir("usr/lib");
        for (int i = 0; i < 12; i++) {
            byte[] library = new byte[200_000 + random.nextInt(100_000)];
            random.nextBytes(library);
            layer.file("usr/lib/lib" + i + ".so", library, 0755, 0, 0);
        }
        return layer;
    }

    private static TestLayer app(String version) {
        return new TestLayer().dir("home/app", 0750, 1000, 1000)
                .file("home/app/handler.py", ("def handler(e, c): return '" + version + "'\n").getBytes(), 0644, 1000, 1000);
    }

    /** The layer as a gzip'ed tar blob of the layout. */
    private Descriptor layer(TestLayer layer) throws Exception {
        Path file = dir.resolve("layer-" + layerFiles++);
        layer.writeTo(file, TestLayer.Compression.GZIP);
        return layout.blob(TestLayer.TAR_GZIP, Files.readAllBytes(file));
    }

    /** Every path of the tree → its type, owner, mode and (files) contents or (links) target. */
    private static Map<String, String> snapshot(Path tree) throws IOException {
        Map<String, String> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(tree)) {
            for (Path path : walk.filter(p -> !p.equals(tree)).toList()) {
                PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class, NOFOLLOW_LINKS);
                String owner = Files.getAttribute(path, "unix:uid", NOFOLLOW_LINKS) + ":"
                        + Files.getAttribute(path, "unix:gid", NOFOLLOW_LINKS);
                String mode = String.format("%04o", (Integer) Files.getAttribute(path, "unix:mode", NOFOLLOW_LINKS) & 07777);
                String entry;
                if (attributes.isSymbolicLink()) {
                    entry = "link " + owner + " -> " + Files.readSymbolicLink(path);
                } else if (attributes.isDirectory()) {
                    entry = "dir " + owner + " " + mode;
                } else {
                    entry = "file " + owner + " " + mode + " " + Files.readString(path);
                }
                entries.put(tree.relativize(path).toString(), entry);
            }
        }
        return entries;
    }
}
