package io.kindling.chunks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocalCodeStoreTest {

    @TempDir
    Path dir;

    private Path root;
    private Path upload;
    private PackageSummary summary;
    private String hex;

    @BeforeEach
    void inspectAnUpload() throws Exception {
        root = dir.resolve("data/code");
        upload = ZipPackageInspectorTest.validPackage().writeTo(dir.resolve("upload.zip"));
        summary = new ZipPackageInspector().inspect(upload, PackageLimits.lambdaDefaults());
        hex = summary.sha256Hex();
    }

    private List<Path> temporaries() throws Exception {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    private static String sha256Hex(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void storesByContentAndCopiesTheInput() throws Exception {
        LocalCodeStore store = new LocalCodeStore(root);

        StoredPackage stored = store.put(upload, summary);

        assertThat(stored.sha256Hex()).isEqualTo(hex);
        assertThat(stored.size()).isEqualTo(Files.size(upload));
        assertThat(stored.path()).isEqualTo(root.resolve("packages").resolve(hex.substring(0, 2)).resolve(hex + ".zip"));
        assertThat(stored.path()).hasSameBinaryContentAs(upload);
        assertThat(upload).exists();
        assertThat(temporaries()).isEmpty();
    }

    @Test
    void putIsIdempotent() throws Exception {
        LocalCodeStore store = new LocalCodeStore(root);

        StoredPackage first = store.put(upload, summary);
        StoredPackage second = store.put(upload, summary);

        assertThat(second).isEqualTo(first);
        try (Stream<Path> files = Files.walk(root.resolve("packages"))) {
            assertThat(files.filter(Files::isRegularFile)).containsExactly(first.path());
        }
    }

    @Test
    void findsStoredPackagesOnly() throws Exception {
        LocalCodeStore store = new LocalCodeStore(root);
        assertThat(store.find(hex)).isEmpty();

        StoredPackage stored = store.put(upload, summary);

        assertThat(store.find(hex)).contains(stored.path());
        assertThat(store.find("0".repeat(64))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../../etc/passwd", "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789", "abc", ""})
    void refusesNamesThatAreNotDigests(String name) throws Exception {
        LocalCodeStore store = new LocalCodeStore(root);

        assertThatThrownBy(() -> store.find(name)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.unpacked(name)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.delete(name)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesAFileThatChangedSinceInspection() throws Exception {
        LocalCodeStore store = new LocalCodeStore(root);
        Files.write(upload, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);

        assertThatThrownBy(() -> store.put(upload, summary)).isInstanceOf(PackageChangedException.class);

        assertThat(store.find(hex)).isEmpty();
        assertThat(temporaries()).isEmpty();
    }

    @Test
    void unpacksOnFirstUseOnly() throws Exception {
        LocalCodeStore store = new LocalCodeStore(root);
        store.put(upload, summary);

        Path first = store.unpacked(hex);
        Files.writeString(first.resolve("marker"), "still here");
        Path second = store.unpacked(hex);

        assertThat(first).isEqualTo(root.resolve("unpacked").resolve(hex));
        assertThat(second).isEqualTo(first);
        assertThat(second.resolve("marker")).hasContent("still here");
        assertThat(second.resolve("lib/current/app")).hasContent("app");
        assertThat(Files.isExecutable(second.resolve("bootstrap"))).isTrue();
    }

    @Test
    void cannotUnpackWhatIsNotStored() throws Exception {
        LocalCodeStore store = new LocalCodeStore(root);

        assertThatThrownBy(() -> store.unpacked(hex)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void concurrentFirstUsesShareOneTree() throws Exception {
        LocalCodeStore store = new LocalCodeStore(root);
        store.put(upload, summary);

        List<Path> dirs = runConcurrently(8, () -> store.unpacked(hex));

        assertThat(dirs).containsOnly(root.resolve("unpacked").resolve(hex));
        assertThat(root.resolve("unpacked").resolve(hex).resolve("README")).hasContent("hello");
        assertThat(temporaries()).isEmpty();
    }

    @Test
    void concurrentPutsOfOnePackageLeaveOneIntactFile() throws Exception {
        LocalCodeStore store = new LocalCodeStore(root);

        List<StoredPackage> results = runConcurrently(8, () -> store.put(upload, summary));

        assertThat(results).extracting(StoredPackage::path).containsOnly(results.getFirst().path());
        assertThat(sha256Hex(results.getFirst().path())).isEqualTo(hex);
        assertThat(temporaries()).isEmpty();
    }

    @Test
    void removesStaleTemporariesWhenOpened() throws Exception {
        StoredPackage stored = new LocalCodeStore(root).put(upload, summary);
        Path shard = stored.path().getParent();
        Path stalePut = Files.writeString(shard.resolve(hex + ".123.tmp"), "half a zip");
        Path otherShard = Files.createDirectories(root.resolve("packages/00"));
        Path staleElsewhere = Files.writeString(otherShard.resolve("00ab.tmp"), "half");
        Path staleUnpack = Files.createDirectories(root.resolve("unpacked/." + hex + ".abc.tmp/lib"));
        Files.writeString(staleUnpack.resolve("file"), "partial");
        Files.createSymbolicLink(staleUnpack.resolve("link"), upload);

        LocalCodeStore reopened = new LocalCodeStore(root);

        assertThat(stalePut).doesNotExist();
        assertThat(staleElsewhere).doesNotExist();
        assertThat(staleUnpack.getParent()).doesNotExist();
        assertThat(upload).exists(); // links inside a stale tree are removed, not followed
        assertThat(reopened.find(hex)).contains(stored.path());
    }

    @Test
    void deleteRemovesThePackageAndItsTree() throws Exception {
        LocalCodeStore store = new LocalCodeStore(root);
        store.put(upload, summary);
        Path tree = store.unpacked(hex);

        store.delete(hex);
        store.delete(hex);

        assertThat(store.find(hex)).isEmpty();
        assertThat(tree).doesNotExist();
        assertThat(temporaries()).isEmpty();
        assertThat(upload).exists();
    }

    @FunctionalInterface
    private interface Task<T> {
        T run() throws Exception;
    }

    private static <T> List<T> runConcurrently(int threads, Task<T> task) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.run();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        }
    }
}
