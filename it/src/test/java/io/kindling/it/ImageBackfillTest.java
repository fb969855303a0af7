package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * Code that is in use but has no image (stored before images existed, or while mkfs.erofs was missing; here: its
 * manifest removed while the server was stopped) gets its image at the next start, in the background, and is then
 * served from the image like any other.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ImageBackfillTest {
    @TempDir
    Path dir;

    @Test
    void codeWithoutAnImageGetsOneAtTheNextStartAndIsThenMountedFromIt() throws Exception {
        // Sandboxes run as their own uid and must pass through the test directory to reach the code.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        String sha256;
        try (ChildServer first = ChildServer.start(dir, "first"); LambdaClient lambda = first.client()) {
            String codeSha256 = lambda.createFunction(r -> r.functionName("old").runtime(Runtime.PROVIDED_AL2023)
                    .handler("function.handler").role(TestServer.ROLE).timeout(20).memorySize(128)
                    .code(c -> c.zipFile(Zips.sdk(ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY)))))
                    .codeSha256();
            lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("old"));
            sha256 = HexFormat.of().formatHex(Base64.getDecoder().decode(codeSha256));
        }
        Path manifest = dir.resolve("data/chunks/manifests/" + sha256 + ".manifest");
        Files.delete(manifest);

        try (ChildServer second = ChildServer.start(dir, "second"); LambdaClient lambda = second.client()) {
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Files.isRegularFile(manifest));

            assertThat(ProvidedRuntimeBootstraps.probe(lambda, "old", "grep ' /var/task ' /proc/self/mountinfo")).contains(" - erofs /dev/loop");
            assertThat(second.output()).contains("1 code package(s) in use have no image yet");
        }
    }
}
