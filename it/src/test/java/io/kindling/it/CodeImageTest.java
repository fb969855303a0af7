package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.crypto.MasterKey;
import io.kindling.chunks.manifest.Manifest;
import io.kindling.chunks.manifest.ManifestCodec;
import io.kindling.chunks.manifest.StoredChunk;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * The code path through the chunk store: a package is stored as an EROFS image in chunks at activation, and the
 * worker serves /var/task from that image mounted under {@code <data>/mounts}, once per version, verifying every
 * chunk it reads.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CodeImageTest extends ServerTest {

    /** Deploys the swiss-army bootstrap with {@code extra} random bytes beside it, and returns the code's SHA-256 in hex. */
    private static String deploy(String name, int extraBytes) {
        byte[] payload = new byte[extraBytes];
        ThreadLocalRandom.current().nextBytes(payload);
        byte[] zip = Zips.zip(new Zips.Entry("bootstrap", 0100755,
                        ProvidedRuntimeBootstraps.SWISS_ARMY.getBytes(StandardCharsets.UTF_8)),
                new Zips.Entry("payload.bin", 0100644, payload));
        String sha256 = lambda.createFunction(r -> r.functionName(name).runtime(Runtime.PROVIDED_AL2023)
                .handler("function.handler").role(TestServer.ROLE).timeout(20).memorySize(128)
                .code(c -> c.zipFile(Zips.sdk(zip)))).codeSha256();
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
        return HexFormat.of().formatHex(Base64.getDecoder().decode(sha256));
    }

    /** Runs {@code command} in a sandbox of the function and returns what it printed. */
    private static String probe(String name, String command) {
        InvokeResponse response = lambda.invoke(r -> r.functionName(name)
                .payload(SdkBytes.fromUtf8String("\"probe:" + command + "\"")));
        assertThat(response.functionError()).isNull();
        String quoted = response.payload().asUtf8String();
        return new String(Base64.getDecoder().decode(quoted.substring(1, quoted.length() - 1)), StandardCharsets.UTF_8);
    }

    private static Path imageRoot(String sha256) {
        return server.dataDir.resolve("mounts/images").resolve(sha256);
    }

    /** The host's EROFS mounts of this image. */
    private static List<String> hostMountsOf(String sha256) throws IOException {
        String mountPoint = " " + imageRoot(sha256) + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(line -> line.contains(mountPoint) && line.contains(" - erofs ")).toList();
    }

    private static Manifest manifest(String sha256) throws Exception {
        byte[] sealed = Files.readAllBytes(server.dataDir.resolve("chunks/manifests/" + sha256 + ".manifest"));
        return new ManifestCodec(MasterKey.load(server.dataDir)).open(sealed, sha256);
    }

    private static void corrupt(StoredChunk chunk) throws IOException {
        String hex = chunk.ref().name().hex();
        Path file = server.dataDir.resolve("chunks/origin").resolve(hex.substring(0, 2)).resolve(hex);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(file, bytes);
    }

    private static List<StoredChunk> storedChunks(Manifest manifest, String part) {
        return manifest.part(part).orElseThrow().chunks().stream()
                .filter(StoredChunk.class::isInstance).map(StoredChunk.class::cast).toList();
    }

    @Test
    void theSandboxRunsTheCodeFromTheMountedImage() throws Exception {
        String sha256 = deploy("imaged", 300_000);

        String varTask = probe("imaged", "grep ' /var/task ' /proc/self/mountinfo; head -c 9 /var/task/bootstrap");

        assertThat(varTask).contains(" - erofs /dev/loop").endsWith("#!/bin/sh");
        assertThat(hostMountsOf(sha256)).hasSize(1);
        assertThat(server.dataDir.resolve("chunks/manifests/" + sha256 + ".manifest")).isRegularFile();
        assertThat(Files.getPosixFilePermissions(server.dataDir.resolve("master.key")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        // Nothing of the image build is left behind.
        try (var scratch = Files.list(server.dataDir.resolve("chunks/scratch"))) {
            assertThat(scratch).isEmpty();
        }
    }

    @Test
    void concurrentEnvironmentsOfOneVersionShareOneMount() throws Exception {
        String sha256 = deploy("shared", 1000);

        ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<String>> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // Each stays busy long enough that the others need environments of their own.
            answers.add(callers.submit(() -> probe("shared",
                    "sleep 2; echo $AWS_LAMBDA_LOG_STREAM_NAME; grep -c ' /var/task ' /proc/self/mountinfo")));
        }
        Set<String> environments = new java.util.HashSet<>();
        for (Future<String> answer : answers) {
            String text = answer.get(2, TimeUnit.MINUTES);
            environments.add(text.lines().findFirst().orElseThrow());
            assertThat(text.lines().skip(1).findFirst()).contains("1");
        }
        callers.shutdown();

        assertThat(environments).hasSize(3);
        assertThat(hostMountsOf(sha256)).hasSize(1);
    }

    @Test
    void aCorruptChunkFailsTheReadInTheSandboxAndNothingElse() throws Exception {
        String sha256 = deploy("damaged", 3_000_000);
        List<StoredChunk> blob = storedChunks(manifest(sha256), "blob");
        assertThat(blob).hasSizeGreaterThan(2);
        // The last chunk holds the end of payload.bin; the bootstrap sits at the start of the blob.
        corrupt(blob.getLast());

        String answer = probe("damaged", "head -c 9 /var/task/bootstrap; echo; cat /var/task/payload.bin >/dev/null"
                + " && echo read || echo failed");

        assertThat(answer).startsWith("#!/bin/sh").contains("Input/output error").endsWith("failed\n");
    }

    @Test
    void anImageWhoseMetadataIsCorruptIsRefusedWithAClearError() throws Exception {
        // A payload size of its own: the metadata image depends only on names, sizes and modes, and a metadata chunk
        // another test's mount already verified would be served from the cache.
        String sha256 = deploy("unmountable", 7_777);
        for (StoredChunk chunk : storedChunks(manifest(sha256), "meta")) {
            corrupt(chunk);
        }

        assertThatThrownBy(() -> lambda.invoke(r -> r.functionName("unmountable")
                .payload(SdkBytes.fromUtf8String("{}"))))
                .isInstanceOfSatisfying(LambdaException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .contains("could not be mounted"));
        assertThat(hostMountsOf(sha256)).isEmpty();
    }
}
