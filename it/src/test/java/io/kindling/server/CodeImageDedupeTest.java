package io.kindling.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kindling.chunks.ingest.IngestReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dedupe through the whole image path (mkfs.erofs, content-defined chunks of both parts, the origin), with the
 * figures the issue asks for: a library two packages share is stored once, and a new version that adds one small
 * file to a large package stores under 2% new bytes.
 */
class CodeImageDedupeTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private static String sha(int n) {
        return HexFormat.of().formatHex(new byte[31]) + HexFormat.of().toHexDigits((byte) n);
    }

    private static void write(Path file, int size, long seed) throws Exception {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    @Test
    void aLibraryTwoPackagesShareIsStoredOnce() throws Exception {
        CodeImageStore store = CodeImageStore.open(Files.createDirectories(dir.resolve("data")),
                ChunkStoreConfig.defaults());
        Path first = dir.resolve("first");
        write(first.resolve("lib/shared.jar"), 20 * MIB, 1);
        write(first.resolve("handler.py"), 3_000, 2);
        Path second = dir.resolve("second");
        write(second.resolve("lib/shared.jar"), 20 * MIB, 1);
        write(second.resolve("app/main.py"), 5_000, 3);
        write(second.resolve("app/settings.json"), 700, 4);

        IngestReport stored = store.store(sha(1), first).report();
        IngestReport again = store.store(sha(2), second).report();

        assertThat(stored.unique().bytes()).isGreaterThan(20L * MIB);
        assertThat(again.reused().bytes()).as("the shared library, reused").isGreaterThan(19L * MIB);
        assertThat(again.unique().bytes()).as("new bytes for the second package").isLessThan(2L * MIB);
    }

    @Test
    void aNewVersionAddingOneSmallFileToA200MbPackageStoresUnder2PercentNewBytes() throws Exception {
        CodeImageStore store = CodeImageStore.open(Files.createDirectories(dir.resolve("data")),
                ChunkStoreConfig.defaults());
        Path tree = dir.resolve("package");
        for (int i = 0; i < 40; i++) {
            write(tree.resolve("lib/module-" + i + ".so"), 5 * MIB, 100 + i);
        }
        write(tree.resolve("bootstrap"), 2_000, 99);
        IngestReport first = store.store(sha(3), tree).report();

        // In the middle of the file order, so every later file's data moves within the blob.
        Files.writeString(tree.resolve("lib/module-20.so.sig"), "signed by the build, 2026-11-27\n");
        IngestReport second = store.store(sha(4), tree).report();

        assertThat(first.total().bytes()).isGreaterThan(200L * MIB);
        assertThat((double) second.unique().bytes() / second.total().bytes()).isLessThan(0.02);
        assertThat(second.dedupeRatio()).isGreaterThan(0.98);
    }
}
