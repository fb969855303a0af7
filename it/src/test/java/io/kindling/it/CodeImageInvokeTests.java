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
import java.util.HashSet;
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
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * The invoke tests every way of serving code images passes: a package is stored as an EROFS image in chunks at
 * activation, and the worker serves /var/task from that image, made into a directory once per version, with no
 * unverified byte reaching a sandbox. Each subclass runs them against a server of its own that serves images one way
 * (mounted, materialized from chunks) and says what that way looks like from the host.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
abstract class CodeImageInvokeTests {

    /** The server of the subclass, configured for its way. */
    abstract ServerExtension server();

    /** "mounted" or "materialized": what the refusal of an image that cannot be served says. */
    abstract String madeAs();

    /**
     * Asserts that the sandbox's /var/task is the image's tree made this way; {@code varTask} is what the sandbox
     * printed for {@link #VAR_TASK_PROBE}.
     */
    abstract void assertVarTaskIsTheImage(String sha256, String varTask) throws IOException;

    /** How many trees of this image the host holds now (mounts, or materialized directories). */
    abstract int hostTreesOf(String sha256) throws IOException;

    /** Its /var/task mount line, the inode of its bootstrap, and the bootstrap's first bytes. */
    static final String VAR_TASK_PROBE = "grep ' /var/task ' /proc/self/mountinfo; stat -c 'inode %i'"
            + " /var/task/bootstrap; head -c 9 /var/task/bootstrap";

    /** Deploys the swiss-army bootstrap with {@code extra} random bytes beside it, and returns the code's SHA-256 in hex. */
    String deploy(String name, int extraBytes) {
        byte[] payload = new byte[extraBytes];
        ThreadLocalRandom.current().nextBytes(payload);
        return deploy(name, new Zips.Entry("bootstrap", 0100755,
                        ProvidedRuntimeBootstraps.SWISS_ARMY.getBytes(StandardCharsets.UTF_8)),
                new Zips.Entry("payload.bin", 0100644, payload));
    }

    String deploy(String name, Zips.Entry... entries) {
        LambdaClient lambda = server().lambda();
        String sha256 = lambda.createFunction(r -> r.functionName(name).runtime(Runtime.PROVIDED_AL2023)
                .handler("function.handler").role(TestServer.ROLE).timeout(20).memorySize(128)
                .code(c -> c.zipFile(Zips.sdk(Zips.zip(entries))))).codeSha256();
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
        return HexFormat.of().formatHex(Base64.getDecoder().decode(sha256));
    }

    /** Runs {@code command} in a sandbox of the function and returns what it printed. */
    String probe(String name, String command) {
        return ProvidedRuntimeBootstraps.probe(server().lambda(), name, command);
    }

    Path dataDir() {
        return server().server().dataDir;
    }

    Manifest manifest(String sha256) throws Exception {
        byte[] sealed = Files.readAllBytes(dataDir().resolve("chunks/manifests/" + sha256 + ".manifest"));
        return new ManifestCodec(MasterKey.load(dataDir())).open(sealed, sha256);
    }

    void corrupt(StoredChunk chunk) throws IOException {
        String hex = chunk.ref().name().hex();
        Path file = dataDir().resolve("chunks/origin").resolve(hex.substring(0, 2)).resolve(hex);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(file, bytes);
    }

    static List<StoredChunk> storedChunks(Manifest manifest, String part) {
        return manifest.part(part).orElseThrow().chunks().stream()
                .filter(StoredChunk.class::isInstance).map(StoredChunk.class::cast).toList();
    }

    @Test
    void theSandboxRunsTheCodeFromTheImage() throws Exception {
        String sha256 = deploy("imaged", 300_000);

        String varTask = probe("imaged", VAR_TASK_PROBE);

        assertThat(varTask).endsWith("#!/bin/sh");
        assertVarTaskIsTheImage(sha256, varTask);
        assertThat(hostTreesOf(sha256)).isEqualTo(1);
        assertThat(dataDir().resolve("chunks/manifests/" + sha256 + ".manifest")).isRegularFile();
        assertThat(Files.getPosixFilePermissions(dataDir().resolve("master.key")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        // Nothing of the image build is left behind.
        try (var scratch = Files.list(dataDir().resolve("chunks/scratch"))) {
            assertThat(scratch).isEmpty();
        }
    }

    @Test
    void concurrentEnvironmentsOfOneVersionShareOneTree() throws Exception {
        String sha256 = deploy("shared", 1000);

        ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<String>> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // Each stays busy long enough that the others need environments of their own; all three are first invokes.
            answers.add(callers.submit(() -> probe("shared", "sleep 2; echo $AWS_LAMBDA_LOG_STREAM_NAME;"
                    + " grep -c ' /var/task ' /proc/self/mountinfo; stat -c %i /var/task/bootstrap")));
        }
        Set<String> environments = new HashSet<>();
        Set<String> bootstraps = new HashSet<>();
        for (Future<String> answer : answers) {
            List<String> lines = answer.get(2, TimeUnit.MINUTES).lines().toList();
            environments.add(lines.get(0));
            assertThat(lines.get(1)).as("one /var/task").isEqualTo("1");
            bootstraps.add(lines.get(2));
        }
        callers.shutdown();

        assertThat(environments).hasSize(3);
        assertThat(bootstraps).as("one tree, the same file in every environment").hasSize(1);
        assertThat(hostTreesOf(sha256)).isEqualTo(1);
    }

    @Test
    void theTreeKeepsModesSymlinksAndEmptyFiles() throws Exception {
        deploy("shapes", new Zips.Entry("bootstrap", 0100755,
                        ProvidedRuntimeBootstraps.SWISS_ARMY.getBytes(StandardCharsets.UTF_8)),
                new Zips.Entry("tool.sh", 0100755, "#!/bin/sh\necho tool ran\n".getBytes(StandardCharsets.UTF_8)),
                Zips.Entry.file("lib/data.txt", "hello"),
                new Zips.Entry("lib/private", 0100600, "secret".getBytes(StandardCharsets.UTF_8)),
                new Zips.Entry("lib/shared", 0100664, "ours".getBytes(StandardCharsets.UTF_8)),
                Zips.Entry.file("empty", ""),
                Zips.Entry.symlink("current", "lib/data.txt"));

        String answer = probe("shapes", "cd /var/task && stat -c '%a %F %s %n' bootstrap tool.sh lib/data.txt"
                + " lib/private lib/shared empty current && readlink current && cat current && echo && ./tool.sh");

        assertThat(answer.lines()).containsExactly(
                "755 regular file " + ProvidedRuntimeBootstraps.SWISS_ARMY.getBytes(StandardCharsets.UTF_8).length
                        + " bootstrap",
                "755 regular file 24 tool.sh",
                "644 regular file 5 lib/data.txt",
                // The unpacker makes every file readable, so the sandbox user can read it; nothing else changes it.
                "644 regular file 6 lib/private",
                "664 regular file 4 lib/shared",
                "644 regular empty file 0 empty",
                "777 symbolic link 12 current",
                "lib/data.txt",
                "hello",
                "tool ran");
    }

    @Test
    void anImageWhoseMetadataIsCorruptIsRefusedWithAClearError() throws Exception {
        // A payload size of its own: the metadata image depends only on names, sizes and modes, and a metadata chunk
        // another test already verified would be served from the cache.
        String sha256 = deploy("unservable", 7_777);
        for (StoredChunk chunk : storedChunks(manifest(sha256), "meta")) {
            corrupt(chunk);
        }

        assertThatThrownBy(() -> server().lambda().invoke(r -> r.functionName("unservable")
                .payload(SdkBytes.fromUtf8String("{}"))))
                .isInstanceOfSatisfying(LambdaException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .contains("the code image " + sha256 + " could not be " + madeAs()));
        assertThat(hostTreesOf(sha256)).isZero();
        assertThat(server().kindling().startedRequestIds("unservable")).as("nothing ran").isEmpty();
    }
}
