package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kindling.assignment.LifecycleSettings;
import io.kindling.chunks.crypto.Digest256;
import io.kindling.chunks.crypto.MasterKey;
import io.kindling.chunks.manifest.ManifestCodec;
import io.kindling.server.ChunkStoreConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;

/** Deleting a function through the Lambda API frees its code image in the chunk store, and only what it alone used. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ChunkGarbageCollectionTest {
    private static final byte[] SHARED = random(6_000_000, 1);

    @TempDir
    Path dir;

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Deploys the swiss-army bootstrap with the shared file and one of its own; returns the code's SHA-256 in hex. */
    private static String deploy(LambdaClient lambda, String name, byte[] own) {
        byte[] zip = Zips.zip(new Zips.Entry("bootstrap", 0100755,
                        ProvidedRuntimeBootstraps.SWISS_ARMY.getBytes(StandardCharsets.UTF_8)),
                new Zips.Entry("shared.bin", 0100644, SHARED), new Zips.Entry("own.bin", 0100644, own));
        String sha256 = lambda.createFunction(r -> r.functionName(name).runtime(Runtime.PROVIDED_AL2023)
                .handler("function.handler").role(TestServer.ROLE).timeout(20).memorySize(128)
                .code(c -> c.zipFile(Zips.sdk(zip)))).codeSha256();
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
        return HexFormat.of().formatHex(Base64.getDecoder().decode(sha256));
    }

    /** The SHA-256 of the function's two files as the sandbox reads them from /var/task. */
    private static String sumsInSandbox(LambdaClient lambda, String name) {
        return ProvidedRuntimeBootstraps.probe(lambda, name, "cd /var/task && sha256sum shared.bin own.bin | cut -c1-64");
    }

    private static String sums(byte[] own) throws Exception {
        return sha256(SHARED) + "\n" + sha256(own) + "\n";
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static Set<Digest256> chunksOf(Path dataDir, String sha256) throws Exception {
        byte[] sealed = Files.readAllBytes(manifestFile(dataDir, sha256));
        return new ManifestCodec(MasterKey.load(dataDir)).open(sealed, sha256).chunkNames();
    }

    private static Path manifestFile(Path dataDir, String sha256) {
        return dataDir.resolve("chunks/manifests/" + sha256 + ".manifest");
    }

    private static Path chunkFile(Path dataDir, Digest256 name) {
        return dataDir.resolve("chunks/origin").resolve(name.hex().substring(0, 2)).resolve(name.hex());
    }

    private static long originBytes(Path dataDir) throws IOException {
        try (Stream<Path> files = Files.walk(dataDir.resolve("chunks/origin"))) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static boolean mounted(Path dataDir, String sha256) throws IOException {
        String mountPoint = " " + dataDir.resolve("mounts/images").resolve(sha256) + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(line -> line.contains(mountPoint));
    }

    @Test
    void deletingAFunctionFreesTheChunksOnlyItUsedAndTheOtherStillRuns() throws Exception {
        LifecycleSettings shortIdle = new LifecycleSettings(Duration.ofMillis(500), Duration.ofMillis(200),
                Duration.ofMillis(300));
        // No grace, and the smallest chunk cache, so the remaining function's next reads come from the origin.
        TestServer server = TestServer.start(dir, worker -> worker.withLifecycle(shortIdle), config -> {
            ChunkStoreConfig chunks = config.chunks();
            return config.withChunks(new ChunkStoreConfig(chunks.saltEpoch(), 4L << 20, 0, Duration.ofMillis(500), true,
                    Duration.ZERO, Duration.ofDays(1)));
        });
        Path data = server.dataDir;
        try (LambdaClient lambda = server.client()) {
            byte[] keepOwn = random(3_000_000, 2);
            byte[] dropOwn = random(3_000_000, 3);
            String keep = deploy(lambda, "keep", keepOwn);
            String drop = deploy(lambda, "drop", dropOwn);
            assertThat(sumsInSandbox(lambda, "keep")).isEqualTo(sums(keepOwn));
            assertThat(sumsInSandbox(lambda, "drop")).isEqualTo(sums(dropOwn));
            Set<Digest256> keepChunks = chunksOf(data, keep);
            Set<Digest256> dropOnly = new HashSet<>(chunksOf(data, drop));
            dropOnly.removeAll(keepChunks);
            long dropOnlyBytes = 0;
            for (Digest256 chunk : dropOnly) {
                dropOnlyBytes += Files.size(chunkFile(data, chunk));
            }
            assertThat(dropOnlyBytes).as("the own file's chunks at least").isGreaterThan(2_000_000);
            long before = originBytes(data);

            lambda.deleteFunction(r -> r.functionName("drop"));
            // Its environments retire with it; the image goes the unmount grace after, and its use is released once
            // the unmount has finished (loops detached), a moment after the mount leaves /proc/self/mountinfo: until
            // then a pass keeps its manifest. Passes run through Kindling's API, signed, as `kindling storage gc`.
            KindlingCalls kindling = new KindlingCalls(server.endpoint());
            JsonNode report = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> kindling.post("/kindling/2026-11-27/storage/gc"),
                            pass -> pass.path("ManifestsDeleted").asInt() == 1);
            assertThat(mounted(data, drop)).isFalse();

            assertThat(manifestFile(data, drop)).doesNotExist();
            assertThat(manifestFile(data, keep)).exists();
            for (Digest256 chunk : dropOnly) {
                assertThat(chunkFile(data, chunk)).doesNotExist();
            }
            for (Digest256 chunk : keepChunks) {
                assertThat(chunkFile(data, chunk)).exists();
            }
            assertThat(originBytes(data)).isEqualTo(before - dropOnlyBytes);
            assertThat(report.path("ManifestsDeleted").asInt()).isEqualTo(1);
            assertThat(report.path("ChunksDeleted").asLong()).isEqualTo(dropOnly.size());
            assertThat(report.path("BytesFreed").asLong()).isEqualTo(dropOnlyBytes);
            assertThat(report.path("ChunksKept").asLong()).isEqualTo(keepChunks.size());
            assertThat(report.path("BytesKept").asLong()).isEqualTo(before - dropOnlyBytes);
            CliTest.Run again = CliTest.kindling("storage", "gc", "--endpoint", server.endpoint(),
                    "--data-dir", dir.toString());
            assertThat(again.exit()).as(again.err()).isZero();
            assertThat(again.out()).contains("manifests deleted 0, kept 1").contains("chunks deleted 0");

            // A fresh mount of the function left behind reads every byte from the origin, intact.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !mounted(data, keep));
            assertThat(sumsInSandbox(lambda, "keep")).isEqualTo(sums(keepOwn));
        } finally {
            server.close();
        }
    }
}
