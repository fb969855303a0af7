package io.kindling.chunks;

import static io.kindling.chunks.TestZips.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.InvalidPackageException.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ZipPackageInspectorTest {

    private static final PackageLimits DEFAULTS = PackageLimits.lambdaDefaults();

    private final ZipPackageInspector inspector = new ZipPackageInspector();

    @TempDir
    Path dir;

    static TestZips validPackage() {
        return zip()
                .file("bootstrap", 0755, "#!/bin/sh\nexec ./lib/v1/app\n")
                .dir("lib", 0755)
                .dir("lib/v1", 0755)
                .file("lib/v1/app", 0755, "app")
                .file("lib/v1/data/config.json", 0644, "{}")
                .symlink("lib/current", "v1")
                .plainFile("README", "hello");
    }

    private Problem problemOf(Path zipFile) {
        return problemOf(zipFile, DEFAULTS);
    }

    private Problem problemOf(Path zipFile, PackageLimits limits) {
        try {
            inspector.inspect(zipFile, limits);
        } catch (InvalidPackageException e) {
            return e.problem();
        } catch (IOException e) {
            throw new AssertionError("expected InvalidPackageException", e);
        }
        throw new AssertionError("package was accepted");
    }

    @Test
    void summarisesAValidPackage() throws Exception {
        Path zipFile = validPackage().writeTo(dir.resolve("code.zip"));

        PackageSummary summary = inspector.inspect(zipFile, DEFAULTS);

        byte[] expected = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(zipFile));
        assertThat(summary.sha256()).isEqualTo(expected);
        assertThat(summary.sha256Hex()).isEqualTo(HexFormat.of().formatHex(expected));
        assertThat(summary.sha256Base64()).isEqualTo(Base64.getEncoder().encodeToString(expected));
        assertThat(summary.zippedSize()).isEqualTo(Files.size(zipFile));
        long contentBytes = "#!/bin/sh\nexec ./lib/v1/app\n".length() + "app".length() + "{}".length()
                + "v1".length() + "hello".length();
        assertThat(summary.unzippedSize()).isEqualTo(contentBytes);
        assertThat(summary.entryCount()).isEqualTo(7);
    }

    @Test
    void acceptsAPackageExactlyAtTheLimits() throws Exception {
        Path zipFile = zip().file("a", 0644, "12345").file("b", 0644, "67890").writeTo(dir.resolve("code.zip"));
        PackageLimits exact = new PackageLimits(Files.size(zipFile), 10, 2);

        assertThat(inspector.inspect(zipFile, exact).unzippedSize()).isEqualTo(10);
    }

    @Test
    void summaryIsAValue() throws Exception {
        Path zipFile = validPackage().writeTo(dir.resolve("code.zip"));

        assertThat(inspector.inspect(zipFile, DEFAULTS)).isEqualTo(inspector.inspect(zipFile, DEFAULTS));
    }

    @Nested
    class NotAZip {

        @Test
        void randomBytes() throws Exception {
            byte[] noise = new byte[10_000];
            new Random(42).nextBytes(noise);
            assertNotAZip(Files.write(dir.resolve("noise.zip"), noise));
        }

        @Test
        void emptyFile() throws Exception {
            assertNotAZip(Files.write(dir.resolve("empty.zip"), new byte[0]));
        }

        @Test
        void truncatedZip() throws Exception {
            byte[] whole = Files.readAllBytes(validPackage().writeTo(dir.resolve("whole.zip")));
            assertNotAZip(Files.write(dir.resolve("truncated.zip"), Arrays.copyOf(whole, whole.length / 2)));
        }

        private void assertNotAZip(Path file) {
            assertThatThrownBy(() -> inspector.inspect(file, DEFAULTS))
                    .isInstanceOfSatisfying(InvalidPackageException.class,
                            e -> assertThat(e.problem()).isEqualTo(Problem.NOT_A_ZIP))
                    .hasMessage("Could not unzip uploaded file. Please check your file, then try to upload again.");
        }
    }

    @Test
    void aMissingFileIsOurProblemNotTheUploaders() {
        assertThatThrownBy(() -> inspector.inspect(dir.resolve("missing.zip"), DEFAULTS))
                .isInstanceOf(IOException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"../evil", "a/../../evil", "a/../b", "/etc/passwd", "C:\\x", "C:x", "..\\x",
        "a\\..\\..\\x", "nul\0byte", "", "."})
    void rejectsUnsafePaths(String name) throws Exception {
        String placeholder = name.replace('\\', '|');
        Path zipFile = zip().file("ok", 0644, "fine").file(placeholder, 0644, "evil").writeTo(dir.resolve("code.zip"));
        if (!placeholder.equals(name)) {
            TestZips.rename(zipFile, placeholder, name);
        }

        assertThatThrownBy(() -> inspector.inspect(zipFile, DEFAULTS))
                .isInstanceOfSatisfying(InvalidPackageException.class, e -> {
                    assertThat(e.problem()).isEqualTo(Problem.UNSAFE_PATH);
                    assertThat(e.getMessage()).contains(InvalidPackageException.quote(name));
                });
    }

    @Test
    void rejectsBackslashTraversalFromWindowsTools() throws Exception {
        // Entries from FAT-platform tools get their backslashes read as separators, so this is "../x".
        Path zipFile = zip().plainFile("..|x", "evil").writeTo(dir.resolve("code.zip"));
        TestZips.rename(zipFile, "..|x", "..\\x");

        assertThat(problemOf(zipFile)).isEqualTo(Problem.UNSAFE_PATH);
    }

    @Test
    void escapesControlCharactersInMessages() throws Exception {
        Path zipFile = zip().file("bad\0name\n", 0644, "x").writeTo(dir.resolve("code.zip"));

        assertThatThrownBy(() -> inspector.inspect(zipFile, DEFAULTS))
                .hasMessageContaining("'bad\\u0000name\\u000a'")
                .hasMessageNotContaining("\0");
    }

    @Test
    void rejectsOverlongPaths() throws Exception {
        Path zipFile = zip().file("a/" + "b".repeat(256), 0644, "x").writeTo(dir.resolve("code.zip"));

        assertThat(problemOf(zipFile)).isEqualTo(Problem.UNSAFE_PATH);
    }

    static Stream<Arguments> escapingLinks() {
        return Stream.of(
                Arguments.of(zip().symlink("l", "/etc/passwd"), "l", "/etc/passwd"),
                Arguments.of(zip().symlink("a/l", "../../x"), "a/l", "../../x"),
                Arguments.of(zip().dir("a", 0755).symlink("l", "a/../../x"), "l", "a/../../x"),
                Arguments.of(zip().symlink("l", "C:/Windows"), "l", "C:/Windows"),
                Arguments.of(zip().symlink("l", "..\\x"), "l", "..\\x"),
                // link1 leads one level down, so link1/../.. leads one level up from the root
                Arguments.of(zip().dir("a", 0755).symlink("link1", "a").symlink("link2", "link1/../.."),
                        "link2", "link1/../.."),
                // only escapes when d/up is followed the way the kernel does: d/up/.. is the root's parent
                Arguments.of(zip().dir("d", 0755).symlink("d/up", "..").symlink("esc", "d/up/../x"),
                        "esc", "d/up/../x"),
                // a link to an escaping link escapes too, whichever is checked first
                Arguments.of(zip().symlink("inner", "../x").symlink("outer", "inner"), "inner", "../x"));
    }

    @ParameterizedTest
    @MethodSource("escapingLinks")
    void rejectsLinksLeadingOutside(TestZips zip, String link, String target) throws Exception {
        Path zipFile = zip.writeTo(dir.resolve("code.zip"));

        assertThatThrownBy(() -> inspector.inspect(zipFile, DEFAULTS))
                .isInstanceOfSatisfying(InvalidPackageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.LINK_ESCAPES_PACKAGE))
                .hasMessageContaining("'" + link + "'")
                .hasMessageContaining("'" + target + "'");
    }

    @Test
    void acceptsLinksThatStayInside() throws Exception {
        Path zipFile = zip()
                .file("lib/v1/app", 0755, "app")
                .symlink("lib/current", "v1")
                .symlink("bin/app", "../lib/current/app")
                .symlink("d/up", "..")
                .symlink("self", ".")
                .symlink("dangling", "not/there")
                .writeTo(dir.resolve("code.zip"));

        assertThat(inspector.inspect(zipFile, DEFAULTS).entryCount()).isEqualTo(6);
    }

    @Test
    void rejectsLinkLoops() throws Exception {
        Path zipFile = zip().symlink("a", "b").symlink("b", "a").writeTo(dir.resolve("code.zip"));

        assertThat(problemOf(zipFile)).isEqualTo(Problem.UNSUPPORTED_ENTRY);
    }

    @Test
    void rejectsOverlongLinkTargets() throws Exception {
        Path zipFile = zip().symlink("l", "a/".repeat(2049)).writeTo(dir.resolve("code.zip"));

        assertThat(problemOf(zipFile)).isEqualTo(Problem.UNSUPPORTED_ENTRY);
    }

    @Test
    void rejectsWritingThroughALink() throws Exception {
        Path zipFile = zip().dir("sub", 0755).symlink("link", "sub").file("link/x", 0644, "through")
                .writeTo(dir.resolve("code.zip"));

        assertThatThrownBy(() -> inspector.inspect(zipFile, DEFAULTS))
                .isInstanceOfSatisfying(InvalidPackageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.DUPLICATE_ENTRY))
                .hasMessageContaining("'link/x'")
                .hasMessageContaining("symbolic link");
    }

    @Test
    void rejectsALinkOverEntriesAlreadyBelowIt() throws Exception {
        Path zipFile = zip().file("link/x", 0644, "first").symlink("link", "/tmp").writeTo(dir.resolve("code.zip"));

        assertThat(problemOf(zipFile)).isEqualTo(Problem.DUPLICATE_ENTRY);
    }

    static Stream<TestZips> duplicates() {
        return Stream.of(
                zip().file("a", 0644, "1").file("a", 0644, "2"),
                zip().file("a/./b", 0644, "1").file("a//b", 0644, "2"),
                zip().file("a", 0644, "1").file("a/b", 0644, "2"),
                zip().dir("a", 0755).file("a", 0644, "2"),
                zip().symlink("a", "b").file("a", 0644, "2"));
    }

    @ParameterizedTest
    @MethodSource("duplicates")
    void rejectsPathsThatMeanTwoThings(TestZips zip) throws Exception {
        assertThat(problemOf(zip.writeTo(dir.resolve("code.zip")))).isEqualTo(Problem.DUPLICATE_ENTRY);
    }

    @Test
    void toleratesADirectoryListedTwice() throws Exception {
        Path zipFile = zip().dir("a", 0755).file("a/b", 0644, "x").dir("a/", 0700).writeTo(dir.resolve("code.zip"));

        assertThat(inspector.inspect(zipFile, DEFAULTS).entryCount()).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 7, 1000})
    void rejectsEntriesWhoseDeclaredSizeLies(int declared) throws Exception {
        Path zipFile = zip().file("a.txt", 0644, "123456").writeTo(dir.resolve("code.zip"));
        TestZips.patch(zipFile, bytes -> {
            TestZips.writeInt(bytes, TestZips.centralHeader(bytes, "a.txt") + TestZips.CENTRAL_UNCOMPRESSED_SIZE, declared);
            TestZips.writeInt(bytes, TestZips.localHeader(bytes, "a.txt") + TestZips.LOCAL_UNCOMPRESSED_SIZE, declared);
        });

        assertThat(problemOf(zipFile)).isEqualTo(Problem.CORRUPT_ENTRY);
    }

    @Test
    void rejectsCrcMismatch() throws Exception {
        Path zipFile = zip().file("a.txt", 0644, "123456").writeTo(dir.resolve("code.zip"));
        TestZips.patch(zipFile, bytes -> {
            int crc = TestZips.centralHeader(bytes, "a.txt") + TestZips.CENTRAL_CRC;
            TestZips.writeInt(bytes, crc, TestZips.readInt(bytes, crc) ^ 1);
        });

        assertThatThrownBy(() -> inspector.inspect(zipFile, DEFAULTS))
                .isInstanceOfSatisfying(InvalidPackageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.CORRUPT_ENTRY))
                .hasMessageContaining("CRC");
    }

    @Test
    void rejectsCorruptCompressedData() throws Exception {
        Path zipFile = zip().file("a.txt", 0644, "x".repeat(10_000)).writeTo(dir.resolve("code.zip"));
        TestZips.patch(zipFile, bytes -> {
            int data = TestZips.localHeader(bytes, "a.txt") + 30 + "a.txt".length()
                    + TestZips.readShort(bytes, TestZips.localHeader(bytes, "a.txt") + 28);
            for (int i = 0; i < 8; i++) {
                bytes[data + i] = (byte) 0xff;
            }
        });

        assertThat(problemOf(zipFile)).isEqualTo(Problem.CORRUPT_ENTRY);
    }

    @Test
    void rejectsOverlappingEntries() throws Exception {
        Path zipFile = zip().file("a", 0644, "same").file("b", 0644, "same").writeTo(dir.resolve("code.zip"));
        TestZips.patch(zipFile, bytes -> {
            int offsetOfA = TestZips.readInt(bytes, TestZips.centralHeader(bytes, "a") + TestZips.CENTRAL_LOCAL_HEADER_OFFSET);
            TestZips.writeInt(bytes, TestZips.centralHeader(bytes, "b") + TestZips.CENTRAL_LOCAL_HEADER_OFFSET, offsetOfA);
        });

        assertThatThrownBy(() -> inspector.inspect(zipFile, DEFAULTS))
                .isInstanceOfSatisfying(InvalidPackageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.CORRUPT_ENTRY))
                .hasMessageContaining("overlaps");
    }

    @Test
    void rejectsEncryptedEntries() throws Exception {
        Path zipFile = zip().file("secret", 0644, "x").writeTo(dir.resolve("code.zip"));
        TestZips.patch(zipFile, bytes -> {
            int central = TestZips.centralHeader(bytes, "secret") + TestZips.CENTRAL_FLAGS;
            TestZips.writeShort(bytes, central, TestZips.readShort(bytes, central) | 1);
            int local = TestZips.localHeader(bytes, "secret") + TestZips.LOCAL_FLAGS;
            TestZips.writeShort(bytes, local, TestZips.readShort(bytes, local) | 1);
        });

        assertThatThrownBy(() -> inspector.inspect(zipFile, DEFAULTS))
                .isInstanceOfSatisfying(InvalidPackageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.UNSUPPORTED_ENTRY))
                .hasMessageContaining("encrypted");
    }

    @Test
    void rejectsUnsupportedCompression() throws Exception {
        Path zipFile = zip().file("a", 0644, "x").writeTo(dir.resolve("code.zip"));
        TestZips.patch(zipFile, bytes -> {
            TestZips.writeShort(bytes, TestZips.centralHeader(bytes, "a") + TestZips.CENTRAL_METHOD, 12); // bzip2
            TestZips.writeShort(bytes, TestZips.localHeader(bytes, "a") + TestZips.LOCAL_METHOD, 12);
        });

        assertThat(problemOf(zipFile)).isEqualTo(Problem.UNSUPPORTED_ENTRY);
    }

    @ParameterizedTest
    @ValueSource(ints = {0020644, 0060644, 0010644, 0140644})
    void rejectsDevicesPipesAndSockets(int mode) throws Exception {
        Path zipFile = zip().raw("dev", mode, out -> { }).writeTo(dir.resolve("code.zip"));

        assertThat(problemOf(zipFile)).isEqualTo(Problem.UNSUPPORTED_ENTRY);
    }

    @Test
    void rejectsDirectoriesWithContent() throws Exception {
        Path zipFile = zip().raw("d/", TestZips.S_IFDIR | 0755, out -> out.write(1)).writeTo(dir.resolve("code.zip"));

        assertThat(problemOf(zipFile)).isEqualTo(Problem.CORRUPT_ENTRY);
    }

    @Test
    void rejectsTooManyEntries() throws Exception {
        TestZips zip = zip();
        for (int i = 0; i < 6; i++) {
            zip.file("f" + i, 0644, "x");
        }
        Path zipFile = zip.writeTo(dir.resolve("code.zip"));

        assertThatThrownBy(() -> inspector.inspect(zipFile, new PackageLimits(1 << 20, 1 << 20, 5)))
                .isInstanceOfSatisfying(InvalidPackageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.TOO_MANY_ENTRIES))
                .hasMessageContaining("6 entries");
    }

    @Test
    void rejectsTooLargeZips() throws Exception {
        Path zipFile = validPackage().writeTo(dir.resolve("code.zip"));

        assertThatThrownBy(() -> inspector.inspect(zipFile, new PackageLimits(100, 1 << 20, 100)))
                .isInstanceOfSatisfying(InvalidPackageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.ZIPPED_TOO_LARGE))
                .hasMessage("Zipped size must be smaller than 100 bytes");
    }

    @Test
    void rejectsManySmallEntriesAddingUpOverTheLimit() throws Exception {
        TestZips zip = zip();
        for (int i = 0; i < 20; i++) {
            zip.file("f" + i, 0644, "x".repeat(1000));
        }
        Path zipFile = zip.writeTo(dir.resolve("code.zip"));

        assertThatThrownBy(() -> inspector.inspect(zipFile, new PackageLimits(1 << 20, 10_000, 100)))
                .isInstanceOfSatisfying(InvalidPackageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.UNZIPPED_TOO_LARGE))
                .hasMessage("Unzipped size must be smaller than 10000 bytes");
    }

    /** 300 MiB of zeros in one deflated entry: about 300 KB zipped. */
    @Nested
    class ZipBomb {

        private static final long BOMB_SIZE = 300L << 20;

        @TempDir
        static Path bombDir;

        static Path bomb;

        @BeforeAll
        static void writeBomb() throws IOException {
            bomb = zip().file("readme", 0644, "hi").zeros("zeros", BOMB_SIZE).writeTo(bombDir.resolve("bomb.zip"));
        }

        @Test
        void isSmallWhenZipped() throws IOException {
            assertThat(Files.size(bomb)).isLessThan(1L << 20);
        }

        @Test
        void isRefusedBeforeInflatingAnything() throws Exception {
            UnzipBudget budget = new UnzipBudget(DEFAULTS.maxUnzippedBytes());

            assertThatThrownBy(() -> inspector.inspect(bomb, DEFAULTS, budget))
                    .isInstanceOfSatisfying(InvalidPackageException.class,
                            e -> assertThat(e.problem()).isEqualTo(Problem.UNZIPPED_TOO_LARGE))
                    .hasMessage("Unzipped size must be smaller than 262144000 bytes");
            assertThat(budget.used()).isZero();
        }

        @Test
        void stopsInflatingAtTheBudgetWhateverTheDeclaredSizesSay() throws Exception {
            // Declared sizes pass (limit 512 MiB) but the bytes actually inflated may only reach 250 MiB:
            // the running count alone has to stop it, one buffer past the limit at most.
            PackageLimits generous = new PackageLimits(DEFAULTS.maxZippedBytes(), 512L << 20, 100);
            UnzipBudget budget = new UnzipBudget(DEFAULTS.maxUnzippedBytes());

            assertThatThrownBy(() -> inspector.inspect(bomb, generous, budget))
                    .isInstanceOfSatisfying(InvalidPackageException.class,
                            e -> assertThat(e.problem()).isEqualTo(Problem.UNZIPPED_TOO_LARGE));
            assertThat(budget.used()).isBetween(DEFAULTS.maxUnzippedBytes(),
                    DEFAULTS.maxUnzippedBytes() + EntryContent.BUFFER_SIZE);
        }

        @Test
        void thatUnderstatesItsSizeStopsRightAfterTheClaim() throws Exception {
            Path liar = Files.copy(bomb, dir.resolve("liar.zip"));
            TestZips.patch(liar, bytes -> {
                TestZips.writeInt(bytes, TestZips.centralHeader(bytes, "zeros") + TestZips.CENTRAL_UNCOMPRESSED_SIZE, 1 << 20);
                TestZips.writeInt(bytes, TestZips.localHeader(bytes, "zeros") + TestZips.LOCAL_UNCOMPRESSED_SIZE, 1 << 20);
            });
            UnzipBudget budget = new UnzipBudget(DEFAULTS.maxUnzippedBytes());

            assertThatThrownBy(() -> inspector.inspect(liar, DEFAULTS, budget))
                    .isInstanceOfSatisfying(InvalidPackageException.class,
                            e -> assertThat(e.problem()).isEqualTo(Problem.CORRUPT_ENTRY));
            assertThat(budget.used()).isLessThanOrEqualTo((1 << 20) + 2L + EntryContent.BUFFER_SIZE);
        }
    }
}
