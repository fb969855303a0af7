package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.kindling.assignment.LifecycleSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;

/** What a server's sandboxes leave on the host: nothing, once they retire or the server stops. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SandboxCleanupTest {
    @TempDir
    Path dir;

    @Test
    void aStoppedServerLeavesNoNamespaceCgroupOrProcessOfItsSandboxes() throws Exception {
        TestServer server = TestServer.start(dir);
        String prefix = server.sandboxPrefix;
        try (LambdaClient lambda = server.client()) {
            for (String name : List.of("one", "two")) {
                deploy(lambda, name);
                assertThat(lambda.invoke(r -> r.functionName(name).payload(SdkBytes.fromUtf8String("\"count\"")))
                        .payload().asUtf8String()).isEqualTo("1");
            }
            // The two environments', and the pre-created slots waiting for the next cold start.
            assertThat(namespaces(prefix)).hasSizeGreaterThanOrEqualTo(2);
            assertThat(cgroups(prefix)).isNotEmpty();
        } finally {
            server.close();
        }

        assertThat(namespaces(prefix)).isEmpty();
        assertThat(cgroups(prefix)).isEmpty();
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            assertThat(hierarchies.map(h -> h.resolve(prefix)).filter(Files::exists).toList())
                    .as("the server's parent cgroups").isEmpty();
        }
        assertThat(run("ps", "-eo", "args")).doesNotContain(prefix);
    }

    @Test
    void anIdleEnvironmentRetiresAfterTheConfiguredIdleTimeout() throws Exception {
        LifecycleSettings shortIdle = new LifecycleSettings(Duration.ofMillis(500), Duration.ofMillis(200),
                Duration.ofMillis(300));
        // No pre-created slots: every namespace of the prefix is then an environment's.
        TestServer server = TestServer.start(dir, worker -> worker.withLifecycle(shortIdle).withSandboxPool(0));
        try (LambdaClient lambda = server.client()) {
            deploy(lambda, "brief");
            assertThat(lambda.invoke(r -> r.functionName("brief").payload(SdkBytes.fromUtf8String("\"count\"")))
                    .payload().asUtf8String()).isEqualTo("1");

            // The environment goes once it has been idle for 500 ms; its network namespace goes with it.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            // Polled: no event announces a host fact; bounded by the deadline.
            while (!namespaces(server.sandboxPrefix).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(namespaces(server.sandboxPrefix)).isEmpty();
            assertThat(lambda.invoke(r -> r.functionName("brief").payload(SdkBytes.fromUtf8String("\"count\"")))
                    .payload().asUtf8String()).as("a new environment counts from 1").isEqualTo("1");
        } finally {
            server.close();
        }
    }

    private static void deploy(LambdaClient lambda, String name) {
        lambda.createFunction(r -> r.functionName(name).runtime(Runtime.PROVIDED_AL2023).handler("bootstrap")
                .role(TestServer.ROLE).memorySize(128).timeout(10).environment(e -> e.variables(Map.of()))
                .code(c -> c.zipFile(Zips.sdk(ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY)))));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
    }

    private static List<String> namespaces(String prefix) throws Exception {
        return run("ip", "netns", "list").lines().filter(line -> line.startsWith(prefix + "-")).toList();
    }

    /** Sandbox cgroups under the server's prefix, in every hierarchy. */
    private static List<Path> cgroups(String prefix) throws IOException {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path hierarchy : hierarchies.toList()) {
                Path parent = hierarchy.resolve(prefix);
                if (Files.isDirectory(parent)) {
                    try (Stream<Path> children = Files.list(parent)) {
                        children.filter(Files::isDirectory).forEach(found::add);
                    }
                }
            }
        }
        return found;
    }

    private static String run(String... argv) throws Exception {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(10, TimeUnit.SECONDS);
        return out;
    }
}
