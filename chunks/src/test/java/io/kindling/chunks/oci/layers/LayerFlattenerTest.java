package io.kindling.chunks.oci.layers;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.oci.layers.TestLayer.Compression;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class LayerFlattenerTest {
    private static final FlattenLimits LIMITS = FlattenLimits.lambdaDefaults();

    @TempDir Path dir;
    private final LayerFlattener flattener = new LayerFlattener();
    private int blobs;

    @Test
    void oneLayerKeepsFilesDirectoriesModesOwnersAndLinks() throws Exception {
        LayerBlob layer = new TestLayer()
                .dir("usr", 0755, 0, 0)
                .dir("usr/bin", 0755, 0, 0)
                .file("usr/bin/su", "su".getBytes(StandardCharsets.UTF_8), 04755, 0, 0)
                .dir("home/app", 0750, 1000, 1001)
                .file("home/app/secret", "s".getBytes(StandardCharsets.UTF_8), 0600, 1000, 1001)
                .dir("ro", 0555, 0, 0)
                .file("ro/inside", "written before the directory became read-only")
                .symlink("bin", "usr/bin")
                .symlink("usr/bin/python", "/usr/bin/python3.12", 1000, 1001)
                .hardlink("usr/bin/sudo", "usr/bin/su")
                .writeTo(blob());

        Path tree = dir.resolve("tree");
        FlattenReport report = flattener.flatten(List.of(layer), tree, LIMITS);

        assertThat(Files.readString(tree.resolve("usr/bin/su"))).isEqualTo("su");
        assertThat(mode(tree.resolve("usr/bin/su"))).as("setuid kept").isEqualTo(04755);
        assertThat(owner(tree.resolve("home/app"))).isEqualTo("1000:1001");
        assertThat(mode(tree.resolve("home/app"))).isEqualTo(0750);
        assertThat(owner(tree.resolve("home/app/secret"))).isEqualTo("1000:1001");
        assertThat(mode(tree.resolve("home/app/secret"))).isEqualTo(0600);
        assertThat(owner(tree.resolve("home"))).as("an implied parent is root's").isEqualTo("0:0");
        assertThat(mode(tree.resolve("home"))).isEqualTo(0755);
        assertThat(mode(tree.resolve("ro"))).as("a read-only directory's mode applied last").isEqualTo(0555);
        assertThat(Files.readString(tree.resolve("ro/inside"))).startsWith("written");
        assertThat(Files.readSymbolicLink(tree.resolve("bin")).toString()).isEqualTo("usr/bin");
        assertThat(Files.readSymbolicLink(tree.resolve("usr/bin/python")).toString())
                .as("an absolute target is kept verbatim").isEqualTo("/usr/bin/python3.12");
        assertThat(owner(tree.resolve("usr/bin/python"))).as("a link's own owner (lchown)").isEqualTo("1000:1001");
        assertThat(Files.getAttribute(tree.resolve("usr/bin/sudo"), "unix:ino"))
                .as("a hard link shares the inode").isEqualTo(Files.getAttribute(tree.resolve("usr/bin/su"), "unix:ino"));
        assertThat(Files.getAttribute(tree.resolve("usr/bin/su"), "unix:nlink")).isEqualTo(2);
        assertThat(report).isEqualTo(new FlattenReport(3, 4, 2, 1, 0, 0, 0, List.of(), 2 + 1 + 45,
                report.uncompressedBytes()));
        assertThat(report.uncompressedBytes()).isGreaterThan(10 * 512);
    }

    @Test
    void layersAppliedOneAtATimeGiveTheSameTreeAndTheBlobCanGoAfterEach() throws Exception {
        Path tree = dir.resolve("tree");
        try (LayerFlattener.Flattening flattening = flattener.open(tree, LIMITS)) {
            LayerBlob base = new TestLayer().file("etc/gone", "x").file("etc/keep", "k").writeTo(blob());
            flattening.apply(base);
            Files.delete(base.file());
            LayerBlob top = new TestLayer().whiteout("etc", "gone").writeTo(blob());
            flattening.apply(top);
            Files.delete(top.file());
            FlattenReport report = flattening.finish();
            assertThat(report.whiteouts()).isEqualTo(1);
        }
        assertThat(tree.resolve("etc/keep")).as("the tree is the caller's after finish").hasContent("k");
        assertThat(tree.resolve("etc/gone")).doesNotExist();
    }

    @Test
    void aFlatteningClosedUnfinishedOrFailedLeavesNoTree() throws Exception {
        Path unfinished = dir.resolve("unfinished");
        try (LayerFlattener.Flattening flattening = flattener.open(unfinished, LIMITS)) {
            flattening.apply(new TestLayer().file("a", "a").writeTo(blob()));
        }
        assertThat(unfinished).doesNotExist();

        Path failed = dir.resolve("failed");
        try (LayerFlattener.Flattening flattening = flattener.open(failed, LIMITS)) {
            flattening.apply(new TestLayer().file("a", "a").writeTo(blob()));
            LayerBlob escaping = new TestLayer().file("../x", "x").writeTo(blob());
            assertThatThrownBy(() -> flattening.apply(escaping)).isInstanceOf(LayerRejected.class)
                    .hasMessageContaining("Layer 2");
            assertThat(failed).as("deleted as the layer failed").doesNotExist();
            assertThatThrownBy(() -> flattening.apply(escaping)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void whiteoutsDeleteAFileAndADirectoryOfLowerLayers() throws Exception {
        LayerBlob base = new TestLayer()
                .file("etc/keep", "k").file("etc/old.conf", "o")
                .dir("var/cache").file("var/cache/a", "a").file("var/cache/sub/b", "b")
                .writeTo(blob());
        LayerBlob upper = new TestLayer()
                .whiteout("etc", "old.conf")
                .whiteout("var", "cache")
                .whiteout("etc", "never-existed")
                .writeTo(blob());

        Path tree = dir.resolve("tree");
        FlattenReport report = flattener.flatten(List.of(base, upper), tree, LIMITS);

        assertThat(listing(tree)).containsOnlyKeys("etc", "etc/keep", "var");
        assertThat(report.whiteouts()).isEqualTo(3);
    }

    @Test
    void aWhiteoutHidesOnlyLowerLayersNotAnEntryOfItsOwnLayer() throws Exception {
        LayerBlob base = new TestLayer().file("app/config", "old").writeTo(blob());
        LayerBlob upper = new TestLayer()
                .file("app/config", "new")
                .whiteout("app", "config") // after its sibling: hides the lower one only
                .writeTo(blob());

        Path tree = dir.resolve("tree");
        flattener.flatten(List.of(base, upper), tree, LIMITS);

        assertThat(Files.readString(tree.resolve("app/config"))).isEqualTo("new");
    }

    @Test
    void aWhiteoutAfterItsLayerWroteBelowItHidesOnlyTheLowerContents() throws Exception {
        LayerBlob base = new TestLayer().file("app/old", "o").writeTo(blob());
        LayerBlob upper = new TestLayer().file("app/new", "n").whiteout("", "app").writeTo(blob());

        Path tree = dir.resolve("tree");
        flattener.flatten(List.of(base, upper), tree, LIMITS);

        assertThat(listing(tree)).containsOnlyKeys("app", "app/new");
    }

    @Test
    void anOpaqueDirectoryHidesLowerContentsAndKeepsItsOwnLayersWhateverTheOrder() throws Exception {
        LayerBlob base = new TestLayer()
                .file("data/lower", "l")
                .file("data/sub/lower-deep", "l")
                .file("data/sub/kept-name", "lower version")
                .file("other/untouched", "u")
                .writeTo(blob());
        LayerBlob upper = new TestLayer()
                .file("data/before-marker", "b")
                .file("data/sub/kept-name", "upper version")
                .opaque("data")
                .file("data/after-marker", "a")
                .writeTo(blob());

        Path tree = dir.resolve("tree");
        FlattenReport report = flattener.flatten(List.of(base, upper), tree, LIMITS);

        assertThat(listing(tree)).containsOnlyKeys("data", "data/before-marker", "data/after-marker", "data/sub",
                "data/sub/kept-name", "other", "other/untouched");
        assertThat(Files.readString(tree.resolve("data/sub/kept-name"))).isEqualTo("upper version");
        assertThat(report.opaqueDirectories()).isEqualTo(1);
    }

    @Test
    void anOpaqueDirectoryDoesNotReachIntoTheLayersAboveIt() throws Exception {
        LayerBlob base = new TestLayer().file("data/first", "1").writeTo(blob());
        LayerBlob middle = new TestLayer().opaque("data").file("data/second", "2").writeTo(blob());
        LayerBlob top = new TestLayer().file("data/third", "3").writeTo(blob());

        Path tree = dir.resolve("tree");
        flattener.flatten(List.of(base, middle, top), tree, LIMITS);

        assertThat(listing(tree)).containsOnlyKeys("data", "data/second", "data/third");
    }

    @Test
    void aLaterLayerReplacesAFileByADirectoryAndADirectoryByAFile() throws Exception {
        LayerBlob base = new TestLayer()
                .file("was-file", "f")
                .file("was-dir/child", "c")
                .dir("was-link-target")
                .symlink("was-link", "was-link-target")
                .writeTo(blob());
        LayerBlob upper = new TestLayer()
                .dir("was-file", 0700, 0, 0).file("was-file/now-inside", "i")
                .file("was-dir", "now a file")
                .dir("was-link").file("was-link/real", "r")
                .writeTo(blob());

        Path tree = dir.resolve("tree");
        flattener.flatten(List.of(base, upper), tree, LIMITS);

        assertThat(Files.readString(tree.resolve("was-file/now-inside"))).isEqualTo("i");
        assertThat(mode(tree.resolve("was-file"))).isEqualTo(0700);
        assertThat(Files.readString(tree.resolve("was-dir"))).isEqualTo("now a file");
        assertThat(Files.isDirectory(tree.resolve("was-link"), NOFOLLOW_LINKS)).as("the link became a directory").isTrue();
        assertThat(tree.resolve("was-link-target")).isEmptyDirectory();
    }

    @Test
    void aFileOfALowerLayerHardLinkedElsewhereKeepsItsContentsWhenReplaced() throws Exception {
        LayerBlob base = new TestLayer().file("lib/a.so", "v1").hardlink("lib/b.so", "lib/a.so").writeTo(blob());
        LayerBlob upper = new TestLayer().file("lib/a.so", "v2").writeTo(blob());

        Path tree = dir.resolve("tree");
        flattener.flatten(List.of(base, upper), tree, LIMITS);

        assertThat(Files.readString(tree.resolve("lib/a.so"))).isEqualTo("v2");
        assertThat(Files.readString(tree.resolve("lib/b.so"))).as("never written through the other name").isEqualTo("v1");
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void plainGzipAndZstdLayersFlattenAlike(Compression compression) throws Exception {
        LayerBlob base = sampleBase().writeTo(blob(), compression);
        LayerBlob upper = new TestLayer().whiteout("etc", "motd").file("app/main.py", "print(2)").writeTo(blob(), compression);

        Path tree = dir.resolve("tree");
        flattener.flatten(List.of(base, upper), tree, LIMITS);

        assertThat(listing(tree)).containsOnlyKeys("etc", "etc/os-release", "app", "app/main.py");
        assertThat(Files.readString(tree.resolve("app/main.py"))).isEqualTo("print(2)");
    }

    @Test
    void aLayerIsReadByItsMagicNumberWhateverItsLabelSays() throws Exception {
        LayerBlob plainLabelledGzip = new LayerBlob(sampleBase().writeTo(blob(), Compression.NONE).file(), TestLayer.DOCKER_GZIP);

        Path tree = dir.resolve("tree");
        flattener.flatten(List.of(plainLabelledGzip), tree, LIMITS);

        assertThat(Files.readString(tree.resolve("etc/os-release"))).isEqualTo("ID=test");
    }

    @Test
    void deviceNodesAndFifosAreSkippedWithANote() throws Exception {
        LayerBlob base = new TestLayer().file("dev/console", "a lower file").writeTo(blob());
        LayerBlob upper = new TestLayer()
                .special("dev/console", TarConstants.LF_CHR)
                .special("dev/sda", TarConstants.LF_BLK)
                .special("run/initctl", TarConstants.LF_FIFO)
                .file("etc/hostname", "h")
                .writeTo(blob());

        Path tree = dir.resolve("tree");
        FlattenReport report = flattener.flatten(List.of(base, upper), tree, LIMITS);

        assertThat(listing(tree)).containsOnlyKeys("dev", "run", "etc", "etc/hostname");
        assertThat(report.skipped()).isEqualTo(3);
        assertThat(report.skippedNotes()).hasSize(3);
        assertThat(report.skippedNotes().getFirst()).contains("layer 2", "'dev/console'", "character device");
        assertThat(report.skippedNotes().get(2)).contains("fifo");
    }

    @Test
    void theSkippedNotesAreBounded() throws Exception {
        TestLayer layer = new TestLayer();
        for (int i = 0; i < FlattenReport.MAX_NOTES + 50; i++) {
            layer.special("dev/null" + i, TarConstants.LF_CHR);
        }

        FlattenReport report = flattener.flatten(List.of(layer.writeTo(blob())), dir.resolve("tree"), LIMITS);

        assertThat(report.skipped()).isEqualTo(FlattenReport.MAX_NOTES + 50);
        assertThat(report.skippedNotes()).hasSize(FlattenReport.MAX_NOTES);
    }

    static Stream<String> unsafePaths() {
        return Stream.of("../x", "a/../../x", "/etc/passwd", "ok/../../../../tmp/escaped",
                "deep/".repeat(1000) + "x", "long-" + "n".repeat(300));
    }

    @ParameterizedTest
    @MethodSource("unsafePaths")
    void unsafePathsRejectTheLayerAndLeaveNothing(String name) throws Exception {
        LayerBlob layer = new TestLayer().file("first", "f").file(name, "hostile").writeTo(blob());

        Path tree = dir.resolve("tree");
        assertThatThrownBy(() -> flattener.flatten(List.of(layer), tree, LIMITS))
                .isInstanceOfSatisfying(LayerRejected.class, e -> {
                    assertThat(e.problem()).isEqualTo(LayerRejected.Problem.UNSAFE_PATH);
                    assertThat(e.getMessage()).contains("Layer 1");
                });
        assertThat(tree).doesNotExist();
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @Test
    void anEntryBelowASymlinkOfALowerLayerIsRefusedAndNothingIsWrittenThroughIt() throws Exception {
        Path outside = Files.createDirectory(dir.resolve("outside"));
        LayerBlob base = new TestLayer().symlink("a", outside.toString()).symlink("etc", "/etc").writeTo(blob());
        LayerBlob viaRelative = new TestLayer().file("a/passwd", "owned").writeTo(blob());
        LayerBlob viaEtc = new TestLayer().file("etc/passwd", "root::0:0::/:/bin/sh").writeTo(blob());

        for (LayerBlob upper : List.of(viaRelative, viaEtc)) {
            Path tree = dir.resolve("tree");
            assertThatThrownBy(() -> flattener.flatten(List.of(base, upper), tree, LIMITS))
                    .isInstanceOfSatisfying(LayerRejected.class, e -> {
                        assertThat(e.problem()).isEqualTo(LayerRejected.Problem.ENTRY_UNDER_NON_DIRECTORY);
                        assertThat(e.getMessage()).contains("Layer 2", "symbolic link");
                    });
            assertThat(tree).doesNotExist();
        }
        assertThat(outside).isEmptyDirectory();
        assertThat(Files.readString(Path.of("/etc/passwd"))).doesNotContain("root::0:0::/:/bin/sh");
    }

    @Test
    void anEntryBelowASymlinkOfTheSameLayerIsRefused() throws Exception {
        Path outside = Files.createDirectory(dir.resolve("outside"));
        LayerBlob layer = new TestLayer().symlink("a", "../outside").file("a/x", "escaped").writeTo(blob());

        assertThatThrownBy(() -> flattener.flatten(List.of(layer), dir.resolve("tree"), LIMITS))
                .isInstanceOfSatisfying(LayerRejected.class,
                        e -> assertThat(e.problem()).isEqualTo(LayerRejected.Problem.ENTRY_UNDER_NON_DIRECTORY));
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void anEntryBelowAFileIsRefused() throws Exception {
        LayerBlob layer = new TestLayer().file("a", "file").file("a/b", "below a file").writeTo(blob());

        assertThatThrownBy(() -> flattener.flatten(List.of(layer), dir.resolve("tree"), LIMITS))
                .isInstanceOfSatisfying(LayerRejected.class, e -> assertThat(e.getMessage()).contains("which is a file"));
    }

    @Test
    void whiteoutsAndOpaqueMarkersBelowASymlinkDeleteNothingOutside() throws Exception {
        Path outside = Files.createDirectory(dir.resolve("outside"));
        Files.writeString(outside.resolve("victim"), "still here");
        LayerBlob base = new TestLayer().symlink("a", outside.toString()).writeTo(blob());
        LayerBlob upper = new TestLayer().whiteout("a", "victim").writeTo(blob());
        LayerBlob opaque = new TestLayer().opaque("a").writeTo(blob());

        flattener.flatten(List.of(base, upper, opaque), dir.resolve("tree"), LIMITS);

        assertThat(Files.readString(outside.resolve("victim"))).isEqualTo("still here");
        assertThat(Files.isSymbolicLink(dir.resolve("tree/a"))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../etc/shadow", "/etc/shadow", "missing/file", "via-link/shadow", "dir"})
    void hardLinksOnlyReachFilesAlreadyInTheTree(String target) throws Exception {
        LayerBlob layer = new TestLayer().symlink("via-link", "/etc").dir("dir").hardlink("x", target).writeTo(blob());

        Path tree = dir.resolve("tree");
        assertThatThrownBy(() -> flattener.flatten(List.of(layer), tree, LIMITS))
                .isInstanceOfSatisfying(LayerRejected.class, e -> {
                    assertThat(e.problem()).isEqualTo(LayerRejected.Problem.BAD_HARDLINK);
                    assertThat(e.getMessage()).contains("'x'");
                });
        assertThat(tree).doesNotExist();
    }

    @Test
    void aDecompressionBombStopsAtTheLimit() throws Exception {
        LayerBlob bomb = new TestLayer().zeros("zeros", 64L * 1024 * 1024).writeTo(blob(), Compression.GZIP);
        assertThat(Files.size(bomb.file())).as("a small blob").isLessThan(1024 * 1024);

        Path tree = dir.resolve("tree");
        assertThatThrownBy(() -> flattener.flatten(List.of(bomb), tree, new FlattenLimits(16L * 1024 * 1024, 1000)))
                .isInstanceOfSatisfying(LayerRejected.class, e -> {
                    assertThat(e.problem()).isEqualTo(LayerRejected.Problem.TOO_LARGE);
                    assertThat(e.getMessage()).contains(String.valueOf(16L * 1024 * 1024));
                });
        assertThat(tree).doesNotExist();
    }

    @Test
    void theLimitCountsAllLayersTogether() throws Exception {
        LayerBlob one = new TestLayer().zeros("a", 600_000).writeTo(blob());
        LayerBlob two = new TestLayer().zeros("a", 600_000).writeTo(blob());
        FlattenLimits limits = new FlattenLimits(1_000_000, 1000);

        flattener.flatten(List.of(one), dir.resolve("one"), limits);
        assertThatThrownBy(() -> flattener.flatten(List.of(one, two), dir.resolve("both"), limits))
                .isInstanceOfSatisfying(LayerRejected.class,
                        e -> assertThat(e.problem()).isEqualTo(LayerRejected.Problem.TOO_LARGE));
    }

    @ParameterizedTest
    // (commons-compress's writer will not write an arbitrary global PAX header; the reader's check covers it alike)
    @ValueSource(bytes = {TarConstants.LF_GNUTYPE_LONGNAME, TarConstants.LF_GNUTYPE_LONGLINK,
            TarConstants.LF_PAX_EXTENDED_HEADER_LC})
    void aHugeLongNameOrPaxHeaderIsRefusedBeforeItIsRead(byte linkFlag) throws Exception {
        // Read whole into the heap by commons-compress: a small blob could otherwise take gigabytes.
        LayerBlob layer = new TestLayer().metadata(linkFlag, 8L * 1024 * 1024).writeTo(blob());
        assertThat(Files.size(layer.file())).isLessThan(100_000);

        assertThatThrownBy(() -> flattener.flatten(List.of(layer), dir.resolve("tree"), LIMITS))
                .isInstanceOfSatisfying(LayerRejected.class, e -> {
                    assertThat(e.problem()).isEqualTo(LayerRejected.Problem.UNSUPPORTED_ENTRY);
                    assertThat(e.getMessage()).contains("8388608 bytes");
                });
        assertThat(dir.resolve("tree")).doesNotExist();
    }

    @Test
    void longNamesWithinLinuxLimitsAreFine() throws Exception {
        String name = "d".repeat(200) + "/" + "e".repeat(200) + "/" + "f".repeat(250);
        String target = "/opt/" + "t".repeat(3000);
        LayerBlob layer = new TestLayer().file(name, "long").symlink("link", target).writeTo(blob());

        Path tree = dir.resolve("tree");
        flattener.flatten(List.of(layer), tree, LIMITS);

        assertThat(tree.resolve(name)).hasContent("long");
        assertThat(Files.readSymbolicLink(tree.resolve("link")).toString()).isEqualTo(target);
    }

    @Test
    void tooManyEntriesAreRefused() throws Exception {
        TestLayer layer = new TestLayer();
        for (int i = 0; i < 20; i++) {
            layer.file("f" + i, "");
        }

        assertThatThrownBy(() -> flattener.flatten(List.of(layer.writeTo(blob())), dir.resolve("tree"),
                new FlattenLimits(1 << 20, 10)))
                .isInstanceOfSatisfying(LayerRejected.class,
                        e -> assertThat(e.problem()).isEqualTo(LayerRejected.Problem.TOO_MANY_ENTRIES));
    }

    @Test
    void aTruncatedLayerIsCorrupt() throws Exception {
        LayerBlob whole = new TestLayer().file("big", new byte[200_000], 0644, 0, 0).writeTo(blob(), Compression.GZIP);
        byte[] bytes = Files.readAllBytes(whole.file());
        Path truncated = Files.write(blob(), java.util.Arrays.copyOf(bytes, bytes.length / 2));

        Path tree = dir.resolve("tree");
        assertThatThrownBy(() -> flattener.flatten(List.of(new LayerBlob(truncated, TestLayer.TAR_GZIP)), tree, LIMITS))
                .isInstanceOfSatisfying(LayerRejected.class,
                        e -> assertThat(e.problem()).isEqualTo(LayerRejected.Problem.CORRUPT_LAYER));
        assertThat(tree).doesNotExist();
    }

    @Test
    void aBlobThatIsNoLayerIsRefusedByItsMediaType() throws Exception {
        LayerBlob config = new LayerBlob(Files.writeString(blob(), "{}"), "application/vnd.oci.image.config.v1+json");

        assertThatThrownBy(() -> flattener.flatten(List.of(config), dir.resolve("tree"), LIMITS))
                .isInstanceOfSatisfying(LayerRejected.class,
                        e -> assertThat(e.problem()).isEqualTo(LayerRejected.Problem.UNSUPPORTED_MEDIA_TYPE));
        assertThat(dir.resolve("tree")).doesNotExist();
    }

    @Test
    void theTargetMustBeNew() throws Exception {
        Path existing = Files.createDirectory(dir.resolve("tree"));
        Files.writeString(existing.resolve("precious"), "p");

        assertThatThrownBy(() -> flattener.flatten(List.of(sampleBase().writeTo(blob())), existing, LIMITS))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThat(existing.resolve("precious")).hasContent("p");
    }

    @Test
    void namesWithBackslashesAreOrdinaryFileNamesInALayer() throws Exception {
        String unit = "lib/systemd/system/system-systemd\\x2dfsck.slice";
        LayerBlob layer = new TestLayer().file(unit, "[Slice]").writeTo(blob());

        flattener.flatten(List.of(layer), dir.resolve("tree"), LIMITS);

        assertThat(dir.resolve("tree").resolve(unit)).hasContent("[Slice]");
    }

    @Test
    void theRootEntryGivesTheRootItsModeAndOwner() throws Exception {
        LayerBlob layer = new TestLayer().dir("./", 0700, 0, 10).file("./etc/hosts", "h").writeTo(blob());

        Path tree = dir.resolve("tree");
        flattener.flatten(List.of(layer), tree, LIMITS);

        assertThat(mode(tree)).isEqualTo(0700);
        assertThat(owner(tree)).isEqualTo("0:10");
        assertThat(tree.resolve("etc/hosts")).hasContent("h");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5000})
    void aSymlinkTargetMustBeAPossibleOne(int length) throws Exception {
        LayerBlob layer = new TestLayer().symlink("link", "t".repeat(length)).writeTo(blob());

        assertThatThrownBy(() -> flattener.flatten(List.of(layer), dir.resolve("tree"), LIMITS))
                .isInstanceOfSatisfying(LayerRejected.class, e -> {
                    assertThat(e.problem()).isEqualTo(LayerRejected.Problem.UNSAFE_PATH);
                    assertThat(e.getMessage()).contains("'link'", "link target");
                });
    }

    @Test
    void aHardLinkCannotNameAFileThatComesLater() throws Exception {
        LayerBlob layer = new TestLayer().hardlink("early", "late").file("late", "l").writeTo(blob());

        assertThatThrownBy(() -> flattener.flatten(List.of(layer), dir.resolve("tree"), LIMITS))
                .isInstanceOfSatisfying(LayerRejected.class, e -> {
                    assertThat(e.problem()).isEqualTo(LayerRejected.Problem.BAD_HARDLINK);
                    assertThat(e.getMessage()).contains("not in this or a lower layer");
                });
    }

    @Test
    void aHardLinkToAFileOfALowerLayerSharesItsInode() throws Exception {
        LayerBlob base = new TestLayer().file("usr/bin/python3.12", "py").writeTo(blob());
        LayerBlob upper = new TestLayer().hardlink("usr/bin/python3", "usr/bin/python3.12").writeTo(blob());

        Path tree = dir.resolve("tree");
        FlattenReport report = flattener.flatten(List.of(base, upper), tree, LIMITS);

        assertThat(Files.isSameFile(tree.resolve("usr/bin/python3"), tree.resolve("usr/bin/python3.12"))).isTrue();
        assertThat(report.hardlinks()).isEqualTo(1);
    }

    @Test
    void aHardLinkCannotReplaceTheDirectoryHoldingItsTarget() throws Exception {
        LayerBlob base = new TestLayer().file("a/b", "b").writeTo(blob());
        LayerBlob upper = new TestLayer().hardlink("a", "a/b").writeTo(blob());

        assertThatThrownBy(() -> flattener.flatten(List.of(base, upper), dir.resolve("tree"), LIMITS))
                .isInstanceOfSatisfying(LayerRejected.class, e -> {
                    assertThat(e.problem()).isEqualTo(LayerRejected.Problem.BAD_HARDLINK);
                    assertThat(e.getMessage()).contains("inside the directory it would replace");
                });
    }

    @Test
    void aHardLinkToASymlinkLinksTheSymlinkNotWhatItPointsTo() throws Exception {
        LayerBlob layer = new TestLayer().symlink("lib64", "/etc/passwd").hardlink("lib64-again", "lib64").writeTo(blob());

        Path tree = dir.resolve("tree");
        flattener.flatten(List.of(layer), tree, LIMITS);

        assertThat(Files.isSymbolicLink(tree.resolve("lib64-again"))).isTrue();
        assertThat(Files.readSymbolicLink(tree.resolve("lib64-again")).toString()).isEqualTo("/etc/passwd");
    }

    @Test
    void aWhiteoutCannotNameItsParent() throws Exception {
        LayerBlob base = new TestLayer().file("keep/me", "k").writeTo(blob());
        LayerBlob upper = new TestLayer().file("keep/.wh...", "").writeTo(blob());

        assertThatThrownBy(() -> flattener.flatten(List.of(base, upper), dir.resolve("tree"), LIMITS))
                .isInstanceOfSatisfying(LayerRejected.class,
                        e -> assertThat(e.problem()).isEqualTo(LayerRejected.Problem.UNSAFE_PATH));
    }

    static TestLayer sampleBase() {
        return new TestLayer().file("etc/os-release", "ID=test").file("etc/motd", "hello");
    }

    private Path blob() {
        return dir.resolve("blob-" + blobs++);
    }

    /** Every path under the tree (relative, '/'-separated) with its kind, sorted. */
    static Map<String, String> listing(Path tree) throws Exception {
        Map<String, String> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(tree)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                if (!path.equals(tree)) {
                    entries.put(tree.relativize(path).toString(),
                            Files.isSymbolicLink(path) ? "link" : Files.isDirectory(path) ? "dir" : "file");
                }
            }
        }
        return entries;
    }

    static int mode(Path path) throws Exception {
        return (int) Files.getAttribute(path, "unix:mode", NOFOLLOW_LINKS) & 07777;
    }

    static String owner(Path path) throws Exception {
        return Files.getAttribute(path, "unix:uid", NOFOLLOW_LINKS) + ":" + Files.getAttribute(path, "unix:gid", NOFOLLOW_LINKS);
    }
}
