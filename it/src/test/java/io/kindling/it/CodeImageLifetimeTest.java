package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kindling.assignment.LifecycleSettings;
import io.kindling.chunks.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * When a code image is mounted and unmounted, and the configured fallback: trees materialized from the chunks alone,
 * removed and made again the same way.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CodeImageLifetimeTest {
    @TempDir
    Path dir;

    private static String deploy(LambdaClient lambda, String name) {
        String sha256 = lambda.createFunction(r -> r.functionName(name).runtime(Runtime.PROVIDED_AL2023)
                .handler("function.handler").role(TestServer.ROLE).timeout(10).memorySize(128)
                .code(c -> c.zipFile(Zips.sdk(ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY))))).codeSha256();
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
        return HexFormat.of().formatHex(Base64.getDecoder().decode(sha256));
    }

    private static String varTaskMount(LambdaClient lambda, String name) {
        return probe(lambda, name, "grep ' /var/task ' /proc/self/mountinfo");
    }

    private static String probe(LambdaClient lambda, String name, String command) {
        return ProvidedRuntimeBootstraps.probe(lambda, name, command);
    }

    private static List<String> erofsMountsUnder(Path dataDir) throws IOException {
        String under = " " + dataDir.resolve("mounts/images") + "/";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(line -> line.contains(under) && line.contains(" - erofs ")).toList();
    }

    @Test
    void theImageIsUnmountedAGracePeriodAfterItsLastEnvironmentAndMountedAgainWhenNeeded() throws Exception {
        LifecycleSettings shortIdle = new LifecycleSettings(Duration.ofMillis(500), Duration.ofMillis(200),
                Duration.ofMillis(300));
        TestServer server = TestServer.start(dir, worker -> worker.withLifecycle(shortIdle),
                config -> config.withChunks(config.chunks().withUnmountGrace(Duration.ofMillis(500))));
        try (LambdaClient lambda = server.client()) {
            deploy(lambda, "brief");

            assertThat(varTaskMount(lambda, "brief")).contains(" - erofs ");
            assertThat(erofsMountsUnder(server.dataDir)).hasSize(1);

            // The environment retires after 500 ms idle, its pool closes, and the image goes 500 ms later.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> erofsMountsUnder(server.dataDir).isEmpty());

            assertThat(varTaskMount(lambda, "brief")).contains(" - erofs ");
            assertThat(erofsMountsUnder(server.dataDir)).hasSize(1);
        } finally {
            server.close();
        }
        assertThat(erofsMountsUnder(server.dataDir)).as("close unmounts every image").isEmpty();
    }

    @Test
    void withImageMountsTurnedOffTheSandboxBindsATreeMaterializedFromTheChunksAlone() throws Exception {
        TestServer server = TestServer.start(dir, worker -> worker,
                config -> config.withChunks(config.chunks().withMountImages(false)));
        try (LambdaClient lambda = server.client()) {
            String sha256 = deploy(lambda, "plain");
            // What the worker would need besides the chunk store goes: the zip and its unpacked tree.
            FileTrees.deleteRecursively(server.dataDir.resolve("code/unpacked").resolve(sha256));
            Files.delete(server.dataDir.resolve("code/packages").resolve(sha256.substring(0, 2)).resolve(sha256 + ".zip"));

            String varTask = probe(lambda, "plain", "grep ' /var/task ' /proc/self/mountinfo; stat -c %i"
                    + " /var/task/bootstrap");

            Path tree = materialized(server.dataDir).resolve(sha256);
            assertThat(varTask).doesNotContain(" - erofs ").contains("/chunks/materialized/" + sha256 + " /var/task ")
                    .endsWith("\n" + Files.getAttribute(tree.resolve("bootstrap"), "unix:ino") + "\n");
            assertThat(erofsMountsUnder(server.dataDir)).isEmpty();
            assertThat(Files.getPosixFilePermissions(tree.resolve("bootstrap")))
                    .isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
            assertThat(server.dataDir.resolve("code/unpacked").resolve(sha256)).as("never unpacked again").doesNotExist();
        } finally {
            server.close();
        }
        assertThat(listing(materialized(server.dataDir))).as("close removes every tree").isEmpty();
    }

    @Test
    void aMaterializedTreeIsRemovedAGracePeriodAfterItsLastEnvironmentAndMadeAgainWhenNeeded() throws Exception {
        LifecycleSettings shortIdle = new LifecycleSettings(Duration.ofMillis(500), Duration.ofMillis(200),
                Duration.ofMillis(300));
        TestServer server = TestServer.start(dir, worker -> worker.withLifecycle(shortIdle), config -> config.withChunks(
                config.chunks().withUnmountGrace(Duration.ofMillis(500)).withMountImages(false)));
        try (LambdaClient lambda = server.client()) {
            String sha256 = deploy(lambda, "brief");

            assertThat(varTaskMount(lambda, "brief")).contains("/chunks/materialized/" + sha256 + " /var/task ");
            assertThat(listing(materialized(server.dataDir))).containsExactly(sha256);

            // The environment retires after 500 ms idle, its pool closes, and the tree goes 500 ms later.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> listing(materialized(server.dataDir)).isEmpty());

            assertThat(varTaskMount(lambda, "brief")).contains("/chunks/materialized/" + sha256 + " /var/task ");
            assertThat(listing(materialized(server.dataDir))).containsExactly(sha256);
        } finally {
            server.close();
        }
    }

    private static Path materialized(Path dataDir) {
        return dataDir.resolve("chunks/materialized");
    }

    private static List<String> listing(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).toList();
        }
    }
}
