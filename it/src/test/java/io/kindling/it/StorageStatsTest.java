package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * Lazy loading seen through the storage figures: a function whose package holds a 200 MiB file it never reads is
 * invoked cold, and the chunk store's own counters show how little came from the origin. Then the same figures from
 * {@code kindling storage stats} and as Prometheus metrics.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StorageStatsTest extends ServerTest {
    static final int BIG_FILE = 200 << 20;

    private static KindlingCalls kindling() {
        return new KindlingCalls(server.endpoint());
    }

    private static void deploy(String name, String marker) {
        byte[] bootstrap = ProvidedRuntimeBootstraps.SWISS_ARMY.replace("#!/bin/sh", "#!/bin/sh\n# " + marker)
                .getBytes(StandardCharsets.UTF_8);
        byte[] zip = Zips.zip(new Zips.Entry("bootstrap", 0100755, bootstrap),
                new Zips.Entry("never-read.bin", 0100644, LargePackages.numberedRepeats(BIG_FILE, 5)));
        lambda.createFunction(r -> r.functionName(name).runtime(Runtime.PROVIDED_AL2023)
                .handler("function.handler").role(TestServer.ROLE).timeout(20).memorySize(128)
                .code(c -> c.zipFile(Zips.sdk(zip))));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
    }

    private static JsonNode tier(JsonNode stats, String name) {
        for (JsonNode tier : stats.path("Tiers")) {
            if (tier.path("Name").asText().equals(name)) {
                return tier;
            }
        }
        throw new AssertionError("no tier " + name + " in " + stats);
    }

    /** The store's totals are cached for a few seconds: waits until they include what was just deployed. */
    private static JsonNode storageAfterDeploy(long logicalAtLeast) {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> kindling().get("/kindling/2026-11-27/storage"),
                        stats -> stats.path("LogicalBytes").asLong() >= logicalAtLeast);
    }

    @Test
    @Order(1)
    void aColdInvokeFetchesUnder5PercentOfAnImageWhoseBigFileItNeverReads() throws Exception {
        deploy("lazy", "first");
        JsonNode before = storageAfterDeploy(BIG_FILE);
        long image = before.path("LogicalBytes").asLong();
        assertThat(image).isGreaterThan(BIG_FILE);
        long fetchedBefore = tier(before, "origin").path("BytesServed").asLong();

        assertThat(ProvidedRuntimeBootstraps.probe(lambda, "lazy", "ls -l /var/task/never-read.bin"))
                .contains(Integer.toString(BIG_FILE));

        JsonNode after = kindling().get("/kindling/2026-11-27/storage");
        long fetched = tier(after, "origin").path("BytesServed").asLong() - fetchedBefore;
        assertThat(fetched).as("bytes fetched from the origin for the first invoke").isPositive()
                .isLessThan(image / 20);
        assertThat(tier(after, "origin").path("Reads").asLong()).isPositive();
    }

    @Test
    @Order(2)
    void theSameBigFileInASecondFunctionAddsLogicalBytesButAlmostNothingStored() throws Exception {
        JsonNode before = kindling().get("/kindling/2026-11-27/storage");
        deploy("lazy-twin", "second");
        JsonNode after = storageAfterDeploy(before.path("LogicalBytes").asLong() + BIG_FILE);

        assertThat(after.path("Images").asLong()).isEqualTo(before.path("Images").asLong() + 1);
        assertThat(after.path("LogicalBytes").asLong() - before.path("LogicalBytes").asLong())
                .isGreaterThan(BIG_FILE);
        assertThat(after.path("StoredBytes").asLong() - before.path("StoredBytes").asLong())
                .isLessThan(BIG_FILE / 50);
        assertThat(after.path("DedupeRatio").asDouble()).isGreaterThan(0.45);
        assertThat(after.path("Chunks").asLong()).isPositive();
    }

    @Test
    @Order(3)
    void theCliAndTheMetricsShowTheFigures() throws Exception {
        CliTest.Run run = CliTest.kindling("storage", "stats", "--endpoint", server.endpoint(),
                "--data-dir", dir.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("dedupe ratio").contains("logical bytes").contains("stored bytes");
        assertThat(run.out().lines().filter(l -> l.matches("(memory|disk|origin) .*"))).hasSize(3);

        String metrics = kindling().getText("/kindling/2026-11-27/metrics");
        assertThat(metrics).contains("jvm_memory_used_bytes");
        // The cold invokes above fetched from the origin; the kernel's page cache answers warm reads itself.
        Matcher originReads = Pattern.compile("kindling_chunk_reads_total\\{tier=\"origin\"} (\\S+)").matcher(metrics);
        assertThat(originReads.find()).as(metrics).isTrue();
        assertThat(Double.parseDouble(originReads.group(1))).isPositive();
        assertThat(metrics).containsPattern("kindling_chunk_store_logical_bytes \\S+")
                .containsPattern("kindling_chunk_reads_total\\{tier=\"memory\"} \\S+")
                .containsPattern("kindling_chunk_read_bytes_total\\{tier=\"disk\"} \\S+");
        // The cold starts above reported where their time went, phase by phase, and the image mounts theirs.
        for (String phase : List.of("assignment", "scratch", "cgroup", "network", "limits", "spawn", "runtime_init",
                "first_response")) {
            assertThat(metrics).containsPattern("kindling_cold_start_phase_seconds_count\\{phase=\"" + phase + "\"} [1-9]");
        }
        assertThat(metrics).containsPattern("kindling_cold_start_seconds\\{quantile=\"0.99\"} \\S+")
                .containsPattern("kindling_cold_starts_total\\{slot=\"(precreated|made)\"} [1-9]")
                .containsPattern("kindling_code_image_tree_seconds_count [1-9]");
    }

    @Test
    @Order(4)
    void theFiguresNeedAuthenticationLikeEveryRequest() throws Exception {
        HttpResponse<String> unsigned = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(server.endpoint() + "/kindling/2026-11-27/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unsigned.statusCode()).isEqualTo(403);
        assertThat(unsigned.body()).doesNotContain("kindling_chunk");
    }
}
