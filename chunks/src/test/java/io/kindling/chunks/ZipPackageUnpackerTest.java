package io.kindling.chunks;

import static io.kindling.chunks.TestZips.zip;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.InvalidPackageException.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZipPackageUnpackerTest {

    private static final PackageLimits DEFAULTS = PackageLimits.lambdaDefaults();

    private final ZipPackageUnpacker unpacker = new ZipPackageUnpacker();

    @TempDir
    Path dir;

    private static String permissions(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, NOFOLLOW_LINKS));
    }

    private List<Path> siblingsOf(Path target) throws Exception {
        try (Stream<Path> children = Files.list(target.getParent())) {
            return children.filter(p -> !p.equals(target)).toList();
        }
    }

    @Test
    void unpacksFilesDirectoriesAndLinks() throws Exception {
        Path zipFile = ZipPackageInspectorTest.validPackage().writeTo(dir.resolve("code.zip"));
        Path target = dir.resolve("unpacked/pkg");

        unpacker.unpack(zipFile, target, DEFAULTS);

        assertThat(target.resolve("bootstrap")).hasContent("#!/bin/sh\nexec ./lib/v1/app\n");
        assertThat(permissions(target.resolve("bootstrap"))).isEqualTo("rwxr-xr-x");
        assertThat(Files.isExecutable(target.resolve("bootstrap"))).isTrue();
        assertThat(permissions(target.resolve("lib/v1/data/config.json"))).isEqualTo("rw-r--r--");
        assertThat(target.resolve("lib/v1/data/config.json")).hasContent("{}");
        assertThat(target.resolve("README")).hasContent("hello");
        assertThat(permissions(target.resolve("README"))).isEqualTo("rw-r--r--");
        Path link = target.resolve("lib/current");
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("v1"));
        assertThat(link.resolve("app")).hasContent("app");
        assertThat(permissions(target)).isEqualTo("rwxr-xr-x");
        assertThat(siblingsOf(target)).isEmpty();
    }

    @Test
    void keepsLinksThatStayInsideIncludingDanglingOnes() throws Exception {
        Path zipFile = zip()
                .file("lib/v1/app", 0755, "app")
                .symlink("lib/current", "v1")
                .symlink("bin/app", "../lib/current/app")
                .symlink("d/up", "..")
                .symlink("dangling", "not/there")
                .writeTo(dir.resolve("code.zip"));
        Path target = dir.resolve("out");

        unpacker.unpack(zipFile, target, DEFAULTS);

        assertThat(target.resolve("bin/app")).hasContent("app");
        assertThat(target.resolve("d/up/lib/v1/app")).hasContent("app");
        assertThat(Files.readSymbolicLink(target.resolve("dangling"))).isEqualTo(Path.of("not/there"));
        assertThat(Files.exists(target.resolve("dangling"))).isFalse();
    }

    @Test
    void givesModelessEntriesDefaultPermissions() throws Exception {
        Path zipFile = zip().plainDir("d").plainFile("d/f", "x").plainFile("implied/g", "y")
                .writeTo(dir.resolve("code.zip"));
        Path target = dir.resolve("out");

        unpacker.unpack(zipFile, target, DEFAULTS);

        assertThat(permissions(target.resolve("d"))).isEqualTo("rwxr-xr-x");
        assertThat(permissions(target.resolve("d/f"))).isEqualTo("rw-r--r--");
        assertThat(permissions(target.resolve("implied"))).isEqualTo("rwxr-xr-x");
        assertThat(permissions(target.resolve("implied/g"))).isEqualTo("rw-r--r--");
    }

    @Test
    void makesAnythingWithAnExecuteBitExecutableAndEverythingReadable() throws Exception {
        Path zipFile = zip()
                .file("owner-only", 0700, "a")
                .file("group-x", 0640 | 0010, "b")
                .file("private", 0600, "c")
                .file("setuid", 04755, "d")
                .dir("locked", 0500)
                .file("locked/inside", 0644, "e")
                .writeTo(dir.resolve("code.zip"));
        Path target = dir.resolve("out");

        unpacker.unpack(zipFile, target, DEFAULTS);

        assertThat(permissions(target.resolve("owner-only"))).isEqualTo("rwxr-xr-x");
        assertThat(permissions(target.resolve("group-x"))).isEqualTo("rwxr-xr-x");
        assertThat(permissions(target.resolve("private"))).isEqualTo("rw-r--r--");
        assertThat(permissions(target.resolve("setuid"))).isEqualTo("rwxr-xr-x");
        assertThat(permissions(target.resolve("locked"))).isEqualTo("rwxr-xr-x");
        assertThat(target.resolve("locked/inside")).hasContent("e");
    }

    @Test
    void leavesAnExistingTargetAlone() throws Exception {
        Path zipFile = ZipPackageInspectorTest.validPackage().writeTo(dir.resolve("code.zip"));
        Path target = Files.createDirectories(dir.resolve("out"));
        Files.writeString(target.resolve("marker"), "already here");

        unpacker.unpack(zipFile, target, DEFAULTS);

        try (Stream<Path> children = Files.list(target)) {
            assertThat(children).containsExactly(target.resolve("marker"));
        }
        assertThat(siblingsOf(target)).containsExactly(zipFile);
    }

    @Test
    void refusesToWriteThroughALinkAndLeavesNothingBehind() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path zipFile = zip().symlink("link", "../../outside").file("link/x", 0644, "escaped")
                .writeTo(dir.resolve("code.zip"));
        Path target = dir.resolve("unpacked/pkg");

        assertThatThrownBy(() -> unpacker.unpack(zipFile, target, DEFAULTS))
                .isInstanceOf(InvalidPackageException.class);

        assertThat(outside).isEmptyDirectory();
        assertThat(target).doesNotExist();
        assertThat(siblingsOf(target)).isEmpty();
    }

    @Test
    void refusesLinksLeadingOutside() throws Exception {
        Path zipFile = zip().dir("d", 0755).symlink("d/up", "..").symlink("esc", "d/up/../outside")
                .writeTo(dir.resolve("code.zip"));
        Path target = dir.resolve("unpacked/pkg");

        assertThatThrownBy(() -> unpacker.unpack(zipFile, target, DEFAULTS))
                .isInstanceOfSatisfying(InvalidPackageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.LINK_ESCAPES_PACKAGE));
        assertThat(target).doesNotExist();
    }

    @Test
    void cleansUpWhenContentTurnsOutCorrupt() throws Exception {
        Path zipFile = zip().file("a", 0644, "fine").file("b", 0644, "123456").writeTo(dir.resolve("code.zip"));
        TestZips.patch(zipFile, bytes -> {
            int crc = TestZips.centralHeader(bytes, "b") + TestZips.CENTRAL_CRC;
            TestZips.writeInt(bytes, crc, ~TestZips.readInt(bytes, crc));
        });
        Path target = dir.resolve("unpacked/pkg");

        assertThatThrownBy(() -> unpacker.unpack(zipFile, target, DEFAULTS))
                .isInstanceOfSatisfying(InvalidPackageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.CORRUPT_ENTRY));
        assertThat(target).doesNotExist();
        assertThat(siblingsOf(target)).isEmpty();
    }

    @Test
    void appliesTheLimitsAgain() throws Exception {
        Path zipFile = zip().file("a", 0644, "x".repeat(2000)).writeTo(dir.resolve("code.zip"));
        Path target = dir.resolve("out");

        assertThatThrownBy(() -> unpacker.unpack(zipFile, target, new PackageLimits(1 << 20, 1000, 10)))
                .isInstanceOfSatisfying(InvalidPackageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.UNZIPPED_TOO_LARGE));
        assertThat(target).doesNotExist();
    }

    @Test
    void concurrentUnpacksOfOnePackageEndWithOneTree() throws Exception {
        Path zipFile = ZipPackageInspectorTest.validPackage().writeTo(dir.resolve("code.zip"));
        Path target = dir.resolve("unpacked/pkg");
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    unpacker.unpack(zipFile, target, DEFAULTS);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> result : results) {
                result.get();
            }
        }

        assertThat(target.resolve("lib/v1/app")).hasContent("app");
        assertThat(siblingsOf(target)).isEmpty();
    }

    @Test
    void translatesZipModesToPermissions() {
        assertThat(ZipPackageUnpacker.filePermissions(PackageLayout.NO_PERMISSIONS)).isEqualTo(0644);
        assertThat(ZipPackageUnpacker.filePermissions(0755)).isEqualTo(0755);
        assertThat(ZipPackageUnpacker.filePermissions(0744)).isEqualTo(0755);
        assertThat(ZipPackageUnpacker.filePermissions(0664)).isEqualTo(0664);
        assertThat(ZipPackageUnpacker.filePermissions(0)).isEqualTo(0444);
        assertThat(ZipPackageUnpacker.directoryPermissions(PackageLayout.NO_PERMISSIONS)).isEqualTo(0755);
        assertThat(ZipPackageUnpacker.directoryPermissions(0700)).isEqualTo(0755);
        assertThat(ZipPackageUnpacker.directoryPermissions(0775)).isEqualTo(0775);
    }
}
