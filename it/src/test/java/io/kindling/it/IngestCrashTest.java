package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.lambda.model.State;

/**
 * The server is killed with SIGKILL while it stores a new package's image in the chunk store. After the restart no
 * partial chunk is visible, and the interrupted activation runs again and completes: the function becomes Active and
 * its code reads back byte for byte.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class IngestCrashTest {
    /** Big enough that storing it takes a second or more, so the kill lands inside the ingest. */
    static final int BIG_FILE = 200 << 20;

    @TempDir
    Path dir;

    @Test
    void aKill9MidIngestLeavesNoPartialChunkAndTheImageIsFinishedAfterTheRestart() throws Exception {
        // Sandboxes run as their own uid and must pass through the test directory to reach the code.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        byte[] big = LargePackages.numberedRepeats(BIG_FILE, 42);
        byte[] zip = Zips.zip(new Zips.Entry("bootstrap", 0100755,
                        ProvidedRuntimeBootstraps.SWISS_ARMY.getBytes(StandardCharsets.UTF_8)),
                new Zips.Entry("big.bin", 0100644, big));
        Path origin = dir.resolve("data/chunks/origin");
        String sha256;
        try (ChildServer first = ChildServer.start(dir, "first"); LambdaClient lambda = first.client()) {
            var created = lambda.createFunction(r -> r.functionName("big").runtime(Runtime.PROVIDED_AL2023)
                    .handler("function.handler").role(TestServer.ROLE).timeout(60).memorySize(256)
                    .code(c -> c.zipFile(Zips.sdk(zip))));
            assertThat(created.state()).isEqualTo(State.PENDING);
            sha256 = HexFormat.of().formatHex(Base64.getDecoder().decode(created.codeSha256()));
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(2)).until(() -> chunks(origin) > 0);
            first.kill9();
        }
        Path manifest = dir.resolve("data/chunks/manifests/" + sha256 + ".manifest");
        assertThat(manifest).as("the kill came before the image was complete").doesNotExist();

        try (ChildServer second = ChildServer.start(dir, "second"); LambdaClient lambda = second.client()) {
            lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("big"));
            assertThat(manifest).isRegularFile();
            assertEveryChunkIsWholeUnderItsOwnName(origin);

            assertThat(ProvidedRuntimeBootstraps.probe(lambda, "big", "sha256sum /var/task/big.bin")).startsWith(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(big)));
        }
    }

    private static long chunks(Path origin) throws IOException {
        if (!Files.isDirectory(origin)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(origin)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    /** No temporary is left, and every chunk's bytes hash to its name: nothing half-written became a chunk. */
    private static void assertEveryChunkIsWholeUnderItsOwnName(Path origin) throws Exception {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(origin)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            String name = file.getFileName().toString();
            assertThat(name).matches("[0-9a-f]{64}");
            assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))))
                    .as("the bytes of chunk %s", name).isEqualTo(name);
        }
    }
}
