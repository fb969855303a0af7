package io.kindling.chunks.oci.layers;

import static io.kindling.chunks.oci.layers.LayerFlattenerTest.mode;
import static io.kindling.chunks.oci.layers.LayerFlattenerTest.owner;
import static org.assertj.core.api.Assertions.assertThat;

import io.kindling.chunks.cdc.ChunkSizes;
import io.kindling.chunks.cdc.FastCdc;
import io.kindling.chunks.crypto.ConvergentEncryption;
import io.kindling.chunks.crypto.MasterKey;
import io.kindling.chunks.crypto.Salt;
import io.kindling.chunks.crypto.SaltSchedule;
import io.kindling.chunks.image.ErofsBuilder;
import io.kindling.chunks.image.ErofsBuilder.Ownership;
import io.kindling.chunks.image.ErofsImage;
import io.kindling.chunks.image.HostCommand;
import io.kindling.chunks.image.LoopMount;
import io.kindling.chunks.ingest.ChunkIngest;
import io.kindling.chunks.ingest.IngestReport;
import io.kindling.chunks.ingest.Tally;
import io.kindling.chunks.oci.layers.TestLayer.Compression;
import io.kindling.chunks.origin.LocalDirectoryOrigin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flattened layers through the rest of the image path: a deterministic EROFS image, then the chunk store. */
class FlattenedImageTest {
    /** Small chunks, so a few MB of layers make many of them and sharing shows. */
    private static final ChunkSizes SIZES = new ChunkSizes(8 * 1024, 32 * 1024, 128 * 1024);

    @TempDir Path dir;
    private final LayerFlattener flattener = new LayerFlattener();
    private final ErofsBuilder builder = new ErofsBuilder();
    private int blobs;

    @BeforeAll
    static void needsErofsUtils() throws Exception {
        HostCommand.Result version = HostCommand.run(List.of("mkfs.erofs", "--help"), Duration.ofSeconds(10));
        assertThat(version.outputTail()).as("mkfs.erofs --help").contains("--blobdev");
    }

    @Test
    void theSameLayersGiveAByteIdenticalImageWhateverTheirCompression() throws Exception {
        TestLayer base = base(1);
        TestLayer app = app("v1");
        List<LayerBlob> gzip = List.of(base.writeTo(blob(), Compression.GZIP), app.writeTo(blob(), Compression.GZIP));
        List<LayerBlob> zstd = List.of(base.writeTo(blob(), Compression.ZSTD), app.writeTo(blob(), Compression.NONE));

        ErofsImage first = image("first", gzip);
        ErofsImage second = image("second", zstd);

        assertThat(Files.mismatch(first.metadata(), second.metadata())).as("metadata images differ at").isEqualTo(-1);
        assertThat(Files.mismatch(first.blob(), second.blob())).as("blobs differ at").isEqualTo(-1);
        assertThat(Files.size(first.blob())).isGreaterThan(2_000_000);
    }

    @Test
    void theImageKeepsTheLayersOwnersAndModes() throws Exception {
        ErofsImage image = image("owned", List.of(base(1).writeTo(blob()), app("v1").writeTo(blob())));

        // Mounted, not extracted: fsck.erofs 1.5 --extract drops setuid bits the image holds.
        try (LoopMount mount = LoopMount.of(image, dir.resolve("mnt"))) {
            Path root = mount.root();
            assertThat(owner(root.resolve("home/app"))).isEqualTo("1000:1000");
            assertThat(mode(root.resolve("home/app"))).isEqualTo(0750);
            assertThat(owner(root.resolve("home/app/handler.py"))).isEqualTo("1000:1000");
            assertThat(owner(root.resolve("usr/lib/lib0.so"))).isEqualTo("0:0");
            assertThat(Files.isSameFile(root.resolve("usr/lib/libalias.so"), root.resolve("usr/lib/lib0.so")))
                    .as("a hard link stays one inode in the image").isTrue();
            assertThat(mode(root.resolve("usr/bin/helper"))).as("setuid survives the image").isEqualTo(04755);
            assertThat(Files.readSymbolicLink(root.resolve("bin")).toString()).isEqualTo("usr/bin");
            assertThat(Files.readString(root.resolve("home/app/handler.py"))).isEqualTo("def handler(e, c): return 'v1'\n");
        }
    }

    @Test
    void theDefaultBuildStillMakesEveryoneRoot() throws Exception {
        Path tree = dir.resolve("tree");
        flattener.flatten(List.of(app("v1").writeTo(blob())), tree, FlattenLimits.lambdaDefaults());
        ErofsImage image = builder.build(tree, dir.resolve("root.meta"), dir.resolve("root.blob"));

        try (LoopMount mount = LoopMount.of(image, dir.resolve("mnt"))) {
            assertThat(owner(mount.root().resolve("home/app/handler.py"))).as("zips' --all-root").isEqualTo("0:0");
        }
    }

    @Test
    void imagesSharingABaseLayerShareItsChunksAndARepushAddsNone() throws Exception {
        LayerBlob base = base(1).writeTo(blob());
        ErofsImage one = image("one", List.of(base, app("one").writeTo(blob())));
        ErofsImage two = image("two", List.of(base, app("two").writeTo(blob())));

        MasterKey key = MasterKey.generate();
        Salt salt = new SaltSchedule(key, Duration.ofDays(7), Clock.systemUTC()).forEpoch(1);
        ChunkIngest ingest = new ChunkIngest(new FastCdc(SIZES), new ConvergentEncryption(),
                new LocalDirectoryOrigin(dir.resolve("origin")));

        IngestReport first = ingest.ingestImage(parts(one), salt).report();
        IngestReport second = ingest.ingestImage(parts(two), salt).report();
        IngestReport again = ingest.ingestImage(parts(two), salt).report();

        assertThat(first.unique().bytes()).as("the first image is new").isGreaterThan(first.total().bytes() / 2);
        assertThat(second.unique().bytes()).as("the second stores little beyond its own layer")
                .isLessThan(second.total().bytes() / 10);
        assertThat(again.unique()).as("pushing the same image again").isEqualTo(Tally.NONE);
    }

    /** A base layer of a few MB of incompressible files, owned by root, with a setuid helper and links. */
    private static TestLayer base(long seed) {
        Random random = new Random(seed);
        TestLayer layer = new TestLayer().dir("usr").dir("usr/bin").dir("usr/lib");
        for (int i = 0; i < 12; i++) {
            byte[] library = new byte[200_000 + random.nextInt(100_000)];
            random.nextBytes(library);
            layer.file("usr/lib/lib" + i + ".so", library, 0755, 0, 0);
        }
        return layer.file("usr/bin/helper", new byte[] {1, 2, 3}, 04755, 0, 0).symlink("bin", "usr/bin")
                .hardlink("usr/lib/libalias.so", "usr/lib/lib0.so");
    }

    /** An app layer owned by uid 1000. */
    private static TestLayer app(String version) {
        return new TestLayer().dir("home/app", 0750, 1000, 1000)
                .file("home/app/handler.py", ("def handler(e, c): return '" + version + "'\n").getBytes(), 0644, 1000, 1000);
    }

    private ErofsImage image(String name, List<LayerBlob> layers) throws Exception {
        Path tree = dir.resolve(name + ".tree");
        flattener.flatten(layers, tree, FlattenLimits.lambdaDefaults());
        return builder.build(tree, dir.resolve(name + ".meta"), dir.resolve(name + ".blob"), Ownership.FROM_TREE);
    }

    private static Map<String, Path> parts(ErofsImage image) {
        Map<String, Path> parts = new LinkedHashMap<>();
        parts.put("meta", image.metadata());
        parts.put("blob", image.blob());
        return parts;
    }

    private Path blob() {
        return dir.resolve("layer-" + blobs++);
    }
}
