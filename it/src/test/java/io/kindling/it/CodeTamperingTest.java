package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.kindling.chunks.crypto.MasterKey;
import io.kindling.chunks.manifest.Manifest;
import io.kindling.chunks.manifest.ManifestCodec;
import io.kindling.chunks.manifest.StoredChunk;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * Someone with write access to the chunk store changes it behind the server's back: a manifest edited, a chunk
 * deleted, a chunk moved under another chunk's name. Every case is detected before a changed byte reaches a sandbox,
 * and the invoke fails with an error that says what is wrong. (A flipped byte inside a chunk: {@link CodeImageTest}.)
 *
 * <p>Each function's payload has a size of its own: the metadata image depends only on names, sizes and modes, so two
 * functions with equal sizes would share (and cache) one metadata chunk.
 */
@ServerTest.WithoutMountAhead
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CodeTamperingTest extends ServerTest {

    private static String deploy(String name, int payloadBytes) {
        byte[] payload = new byte[payloadBytes];
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

    private static String probe(String name, String command) {
        return ProvidedRuntimeBootstraps.probe(lambda, name, command);
    }

    private static String refusal(String name) {
        try {
            lambda.invoke(r -> r.functionName(name).payload(SdkBytes.fromUtf8String("\"probe:echo ran\"")));
        } catch (LambdaException e) {
            return e.awsErrorDetails().errorMessage();
        }
        throw new AssertionError("the invoke of " + name + " ran although its code was tampered with");
    }

    private static Path manifestFile(String sha256) {
        return server.dataDir.resolve("chunks/manifests/" + sha256 + ".manifest");
    }

    private static Manifest manifest(String sha256) throws Exception {
        return new ManifestCodec(MasterKey.load(server.dataDir)).open(Files.readAllBytes(manifestFile(sha256)), sha256);
    }

    private static List<StoredChunk> storedChunks(Manifest manifest, String part) {
        return manifest.part(part).orElseThrow().chunks().stream()
                .filter(StoredChunk.class::isInstance).map(StoredChunk.class::cast).toList();
    }

    private static Path chunkFile(StoredChunk chunk) {
        String hex = chunk.ref().name().hex();
        return server.dataDir.resolve("chunks/origin").resolve(hex.substring(0, 2)).resolve(hex);
    }

    private static List<String> hostMountsOf(String sha256) throws IOException {
        String mountPoint = " " + server.dataDir.resolve("mounts/images").resolve(sha256) + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(line -> line.contains(mountPoint)).toList();
    }

    @Test
    void anEditedManifestIsRefusedBeforeAnythingIsMounted() throws Exception {
        String sha256 = deploy("edited-manifest", 11_111);
        byte[] sealed = Files.readAllBytes(manifestFile(sha256));
        sealed[sealed.length / 2] ^= 0x01;
        Files.write(manifestFile(sha256), sealed);

        assertThat(refusal("edited-manifest")).contains("manifest of code image " + sha256 + " is corrupt");
        assertThat(hostMountsOf(sha256)).isEmpty();
    }

    @Test
    void aManifestOfAnotherPackageIsRefused() throws Exception {
        String mine = deploy("swapped-manifest", 12_121);
        String other = deploy("swapped-manifest-donor", 12_345);
        // Well sealed, but for another image: the seal names the package it belongs to.
        Files.copy(manifestFile(other), manifestFile(mine), StandardCopyOption.REPLACE_EXISTING);

        assertThat(refusal("swapped-manifest")).contains("manifest of code image " + mine + " is corrupt");
        assertThat(hostMountsOf(mine)).isEmpty();
    }

    @Test
    void aDeletedChunkFailsTheReadThatNeedsItAndNothingElse() throws Exception {
        String sha256 = deploy("deleted-chunk", 3_100_000);
        List<StoredChunk> blob = storedChunks(manifest(sha256), "blob");
        assertThat(blob).hasSizeGreaterThan(2);
        // The last chunk holds the end of payload.bin; the bootstrap sits at the start of the blob.
        Files.delete(chunkFile(blob.getLast()));

        String answer = probe("deleted-chunk", "head -c 9 /var/task/bootstrap; echo; cat /var/task/payload.bin"
                + " >/dev/null && echo read || echo failed");

        assertThat(answer).startsWith("#!/bin/sh").contains("Input/output error").endsWith("failed\n");
    }

    @Test
    void aChunkMovedUnderAnotherChunksNameIsNeverServedAsThatChunk() throws Exception {
        String sha256 = deploy("renamed-chunk", 3_200_000);
        List<StoredChunk> blob = storedChunks(manifest(sha256), "blob");
        assertThat(blob).hasSizeGreaterThan(2);
        // The first chunk's bytes now sit where the last chunk belongs, and the first is gone: both payload reads
        // that need them must fail, and the bootstrap (in the first chunk) must not start from anywhere.
        Files.move(chunkFile(blob.getFirst()), chunkFile(blob.getLast()), StandardCopyOption.REPLACE_EXISTING);

        InvokeResponse response = lambda.invoke(r -> r.functionName("renamed-chunk")
                .payload(SdkBytes.fromUtf8String("\"probe:echo ran\"")));

        // The bootstrap cannot be read, so the runtime never starts: Lambda's answer for a runtime that fails to init.
        assertThat(response.functionError()).isEqualTo("Unhandled");
        assertThat(response.payload().asUtf8String()).contains("Runtime.").doesNotContain("ran");
        assertThat(probeOtherFunctionStillWorks()).isEqualTo("ok\n");
    }

    @Test
    void aMovedMetadataChunkIsRefusedWithAClearError() throws Exception {
        String sha256 = deploy("renamed-meta", 13_131);
        Manifest manifest = manifest(sha256);
        StoredChunk meta = storedChunks(manifest, "meta").getFirst();
        StoredChunk data = storedChunks(manifest, "blob").getFirst();
        Files.move(chunkFile(meta), chunkFile(data), StandardCopyOption.REPLACE_EXISTING);

        assertThat(refusal("renamed-meta")).contains("could not be mounted");
        assertThat(hostMountsOf(sha256)).isEmpty();
    }

    /** Tampering with one function's chunks leaves every other function alone. */
    private static String probeOtherFunctionStillWorks() {
        if (!lambda.listFunctions().functions().stream().anyMatch(f -> f.functionName().equals("untouched"))) {
            deploy("untouched", 14_141);
        }
        return probe("untouched", "echo ok");
    }
}
