package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kindling.chunks.oci.layers.TestLayer;
import io.kindling.chunks.oci.registry.LocalRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.PackageType;
import software.amazon.awssdk.services.lambda.model.State;

/**
 * The server is killed with SIGKILL while it imports a container image (layers fetched, flattened, stored as chunks).
 * After the restart the import's scratch is gone, the function is still Pending, the import runs again from the
 * pinned digest and completes, and the image reads back byte for byte.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ImageImportCrashTest {
    /** Big enough that importing it takes a few seconds, so the kill lands inside the import. */
    static final int BIG_FILE = 150 << 20;

    @TempDir
    Path dir;

    @Test
    void aKill9MidImportLeavesNoScratchAndTheImportCompletesAfterTheRestart() throws Exception {
        // Sandboxes run as their own uid and must pass through the test directory to reach the image.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        byte[] big = LargePackages.numberedRepeats(BIG_FILE, 7);
        Path scratch = Files.createDirectories(dir.resolve("scratch"));
        try (LocalRegistry registry = LocalRegistry.start(Files.createDirectories(dir.resolve("registry")))) {
            String uri = TestImages.push(registry, scratch, "big:v1", new TestImages.Config(
                    List.of("/var/task/bootstrap"), List.of("handler"), List.of("PATH=/usr/bin:/bin"), "/var/task",
                    ""), layout -> List.of(TestImages.blob(layout, scratch, TestImages.hostUserland()),
                    TestImages.blob(layout, scratch, new TestLayer().dir("var").dir("var/task")
                            .file("var/task/bootstrap", ProvidedRuntimeBootstraps.SWISS_ARMY
                                    .getBytes(StandardCharsets.UTF_8), 0755, 0, 0)
                            .file("var/task/big.bin", big, 0644, 0, 0), TestLayer.Compression.NONE)));
            Path chunkScratch = dir.resolve("data/chunks/scratch");
            String digest;
            try (ChildServer first = ChildServer.start(dir, "first"); LambdaClient lambda = first.client()) {
                var created = lambda.createFunction(r -> r.functionName("big-image").packageType(PackageType.IMAGE)
                        .role(TestServer.ROLE).timeout(60).memorySize(256).code(c -> c.imageUri(uri)));
                assertThat(created.state()).isEqualTo(State.PENDING);
                digest = created.codeSha256();
                await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(2))
                        .until(() -> entries(chunkScratch) > 0);
                first.kill9();
            }
            assertThat(dir.resolve("data/chunks/manifests/" + digest + ".manifest"))
                    .as("the kill came before the image was stored").doesNotExist();

            try (ChildServer second = ChildServer.start(dir, "second"); LambdaClient lambda = second.client()) {
                lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("big-image"));
                assertThat(entries(chunkScratch)).as("the import's scratch after it completed").isZero();
                assertThat(ProvidedRuntimeBootstraps.probe(lambda, "big-image", "sha256sum /var/task/big.bin"))
                        .startsWith(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(big)));
            }
        }
    }

    private static long entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> listing = Files.list(dir)) {
            return listing.count();
        }
    }
}
