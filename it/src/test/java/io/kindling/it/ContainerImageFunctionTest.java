package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kindling.chunks.oci.registry.Descriptor;
import io.kindling.chunks.oci.registry.LocalRegistry;
import io.kindling.chunks.oci.registry.OciLayoutBuilder;
import io.kindling.chunks.oci.registry.RegistryCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.GetFunctionResponse;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.PackageType;
import software.amazon.awssdk.services.lambda.model.State;

/**
 * Container image functions end to end: images built here as OCI layouts (a base layer of this host's own binaries, a
 * layer with the bootstrap), pushed by skopeo into Debian's docker-registry on loopback (one open, one behind htpasswd
 * whose credentials the server has, one whose it has not), created through the AWS SDK with PackageType Image, pulled
 * and imported by the server while Pending, and invoked with the image as the sandbox's read-only root.
 */
class ContainerImageFunctionTest {
    private static final RegistryCredentials PRIVATE = new RegistryCredentials("kindling", "pull-secret");
    private static final Registries REGISTRIES = Registries.start();

    @RegisterExtension
    static final ServerExtension SERVER = new ServerExtension(config -> config.withRegistries(Set.of(),
            Optional.of(REGISTRIES.credentialsFile)));

    @AfterAll
    static void stopRegistries() throws Exception {
        REGISTRIES.close();
    }

    private static LambdaClient lambda() {
        return SERVER.lambda();
    }

    @Test
    void anImageFunctionRunsWithTheImageAsItsReadOnlyRootAndItsConfigHonoured() throws Exception {
        String uri = push(REGISTRIES.open, "app:v1", layout -> imageLayers(layout, "v1"));

        var created = lambda().createFunction(r -> r.functionName("img-defaults").packageType(PackageType.IMAGE)
                .role(TestServer.ROLE).timeout(20).code(c -> c.imageUri(uri))
                .environment(e -> e.variables(java.util.Map.of("OVERRIDDEN", "by the function"))));
        assertThat(created.packageTypeAsString()).isEqualTo("Image");
        assertThat(created.runtime()).isNull();
        assertThat(created.codeSha256()).as("an image's CodeSha256 is its manifest digest in hex").matches("[0-9a-f]{64}");
        assertThat(created.codeSize()).isZero();
        lambda().waiter().waitUntilFunctionActiveV2(r -> r.functionName("img-defaults"));

        GetFunctionResponse got = lambda().getFunction(r -> r.functionName("img-defaults"));
        assertThat(got.code().repositoryType()).isEqualTo("ECR");
        assertThat(got.code().imageUri()).isEqualTo(uri);
        assertThat(got.code().resolvedImageUri()).isEqualTo(REGISTRIES.open.address() + "/app@sha256:"
                + created.codeSha256());
        assertThat(got.configuration().imageConfigResponse()).isNull();

        String probe = ProvidedRuntimeBootstraps.probe(lambda(), "img-defaults",
                "pwd; cat /etc/passwd; printenv FROM_IMAGE OVERRIDDEN _HANDLER; ls /; id -u;"
                        + " ls /usr/lib/jvm 2>&1; touch /var/task/x 2>&1; touch /tmp/x && echo tmp-writable");
        assertThat(probe).startsWith("/var/task\n")
                .contains("imageuser:x:1000:1000::/home/imageuser:/bin/sh")
                .as("the host's passwd and the generated one are not there").doesNotContain("sbx_user1051")
                .contains("from the image\nby the function\nhandler.one\n")
                .contains("993\n")
                .contains("ls: cannot access '/usr/lib/jvm': No such file or directory")
                .contains("Read-only file system")
                .contains("tmp-writable");
        assertThat(List.of(probe.split("\n"))).as("/ holds the image's entries and bwrap's /proc, /dev, /tmp")
                .containsSequence("bin", "dev", "etc", "lib", "lib64", "opt", "proc", "sbin", "tmp", "usr", "var");
    }

    @Test
    void imageConfigOverridesEntryPointCommandAndWorkingDirectory() throws Exception {
        String uri = push(REGISTRIES.open, "app:overridden", layout -> imageLayers(layout, "overridden"));

        lambda().createFunction(r -> r.functionName("img-config").packageType(PackageType.IMAGE).role(TestServer.ROLE)
                .timeout(20).code(c -> c.imageUri(uri)).imageConfig(i -> i.entryPoint("/bin/sh", "/opt/alt/bootstrap")
                        .command("handler.two").workingDirectory("/opt")));
        lambda().waiter().waitUntilFunctionActiveV2(r -> r.functionName("img-config"));

        assertThat(ProvidedRuntimeBootstraps.probe(lambda(), "img-config", "pwd; printenv _HANDLER ALT"))
                .isEqualTo("/opt\nhandler.two\nstarted by the alternative bootstrap\n");
        var config = lambda().getFunctionConfiguration(r -> r.functionName("img-config")).imageConfigResponse();
        assertThat(config.imageConfig().entryPoint()).containsExactly("/bin/sh", "/opt/alt/bootstrap");
        assertThat(config.imageConfig().command()).containsExactly("handler.two");
        assertThat(config.imageConfig().workingDirectory()).isEqualTo("/opt");

        lambda().updateFunctionConfiguration(r -> r.functionName("img-config").imageConfig(i -> i.command("handler.three")));
        lambda().waiter().waitUntilFunctionUpdatedV2(r -> r.functionName("img-config"));
        await().atMost(Duration.ofSeconds(30)).until(() -> ProvidedRuntimeBootstraps.probe(lambda(), "img-config",
                "printenv _HANDLER").equals("handler.three\n"));
    }

    @Test
    void updateFunctionCodeMovesToTheNewImageAndAPublishedVersionKeepsItsOwn() throws Exception {
        String first = push(REGISTRIES.open, "moving:v1", layout -> imageLayers(layout, "first"));
        lambda().createFunction(r -> r.functionName("img-update").packageType(PackageType.IMAGE).role(TestServer.ROLE)
                .timeout(20).code(c -> c.imageUri(first)).publish(true));
        lambda().waiter().waitUntilFunctionActiveV2(r -> r.functionName("img-update"));
        String second = push(REGISTRIES.open, "moving:v2", layout -> imageLayers(layout, "second"));

        var updated = lambda().updateFunctionCode(r -> r.functionName("img-update").imageUri(second));
        lambda().waiter().waitUntilFunctionUpdatedV2(r -> r.functionName("img-update"));

        assertThat(ProvidedRuntimeBootstraps.probe(lambda(), "img-update", "cat /var/task/version"))
                .isEqualTo("second\n");
        assertThat(ProvidedRuntimeBootstraps.probe(lambda(), "img-update:1", "cat /var/task/version"))
                .isEqualTo("first\n");
        assertThat(lambda().getFunction(r -> r.functionName("img-update")).code().resolvedImageUri())
                .endsWith("@sha256:" + updated.codeSha256());
        assertThatThrownBy(() -> lambda().updateFunctionCode(r -> r.functionName("img-update")
                .zipFile(Zips.sdk(ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY)))))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageContaining("ImageUri");
    }

    @Test
    void anImagePinnedByDigestIsTheSameCodeAndTheKindlingCommandDeploysIt() throws Exception {
        String tagged = push(REGISTRIES.open, "pinned:v1", layout -> imageLayers(layout, "pinned"));
        var first = lambda().createFunction(r -> r.functionName("img-by-tag").packageType(PackageType.IMAGE)
                .role(TestServer.ROLE).timeout(20).code(c -> c.imageUri(tagged)));
        lambda().waiter().waitUntilFunctionActiveV2(r -> r.functionName("img-by-tag"));
        String byDigest = REGISTRIES.open.address() + "/pinned@sha256:" + first.codeSha256();

        CliTest.Run deployed = CliTest.kindling("deploy", "img-by-digest", "--image", byDigest, "--command",
                "handler.cli", "--endpoint", SERVER.server().endpoint(), "--data-dir", SERVER.dir().toString());
        assertThat(deployed.exit()).as(deployed.err()).isZero();
        assertThat(deployed.out()).contains("deployed img-by-digest").contains(first.codeSha256())
                .contains("State Active");
        var second = lambda().getFunction(r -> r.functionName("img-by-digest"));
        assertThat(second.code().imageUri()).isEqualTo(byDigest);
        assertThat(second.code().resolvedImageUri()).isEqualTo(byDigest);
        assertThat(ProvidedRuntimeBootstraps.probe(lambda(), "img-by-digest", "cat /var/task/version; printenv _HANDLER"))
                .isEqualTo("pinned\nhandler.cli\n");

        CliTest.Run refused = CliTest.kindling("deploy", "img-cli-missing", "--image", REGISTRIES.open.address()
                + "/pinned:absent", "--endpoint", SERVER.server().endpoint(), "--data-dir", SERVER.dir().toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("absent");
    }

    @Test
    void aSecondImageOnTheSameBaseStoresOnlyItsOwnLayerAndDoesNotPullTheBaseAgain() throws Exception {
        Descriptor[] base = new Descriptor[1];
        String one = push(REGISTRIES.open, "dedupe:one", layout -> {
            List<Descriptor> layers = imageLayers(layout, "dedupe one");
            base[0] = layers.getFirst();
            return layers;
        });
        lambda().createFunction(r -> r.functionName("img-dedupe-1").packageType(PackageType.IMAGE)
                .role(TestServer.ROLE).code(c -> c.imageUri(one)));
        lambda().waiter().waitUntilFunctionActiveV2(r -> r.functionName("img-dedupe-1"));
        JsonNode before = await().atMost(Duration.ofSeconds(30)).until(
                () -> SERVER.kindling().get("/kindling/2026-11-27/storage"),
                stats -> stats.path("LogicalBytes").asLong() > 5L << 20);

        String two = push(REGISTRIES.open, "dedupe:two", layout -> imageLayers(layout, "dedupe two"));
        lambda().createFunction(r -> r.functionName("img-dedupe-2").packageType(PackageType.IMAGE)
                .role(TestServer.ROLE).code(c -> c.imageUri(two)));
        lambda().waiter().waitUntilFunctionActiveV2(r -> r.functionName("img-dedupe-2"));
        // The figures are recomputed at most every 5 s.
        JsonNode after = await().atMost(Duration.ofSeconds(30)).until(
                () -> SERVER.kindling().get("/kindling/2026-11-27/storage"),
                stats -> stats.path("Images").asLong() > before.path("Images").asLong());

        long logical = after.path("LogicalBytes").asLong() - before.path("LogicalBytes").asLong();
        long stored = after.path("StoredBytes").asLong() - before.path("StoredBytes").asLong();
        assertThat(logical).as("the second image's size").isGreaterThan(5L << 20);
        assertThat(stored).as("what the second image added to the chunk store").isLessThan(logical / 5);
        assertThat(REGISTRIES.open.blobDownloads(base[0].digest()))
                .as("the base layer every image of this class shares, kept in the layer cache after its first pull")
                .isEqualTo(1);
    }

    @Test
    void aPrivateRegistryIsPulledWithTheServersCredentialsAndRefusedWithout() throws Exception {
        String uri = push(REGISTRIES.privateWithCredentials, "secret:v1", layout -> imageLayers(layout, "private"));
        lambda().createFunction(r -> r.functionName("img-private").packageType(PackageType.IMAGE)
                .role(TestServer.ROLE).timeout(20).code(c -> c.imageUri(uri)));
        lambda().waiter().waitUntilFunctionActiveV2(r -> r.functionName("img-private"));
        assertThat(ProvidedRuntimeBootstraps.probe(lambda(), "img-private", "cat /var/task/version"))
                .isEqualTo("private\n");

        String unknown = push(REGISTRIES.privateWithoutCredentials, "secret:v1",
                layout -> imageLayers(layout, "private"));
        assertThatThrownBy(() -> lambda().createFunction(r -> r.functionName("img-refused")
                .packageType(PackageType.IMAGE).role(TestServer.ROLE).code(c -> c.imageUri(unknown))))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining(REGISTRIES.privateWithoutCredentials.address());
        assertThatThrownBy(() -> lambda().getFunction(r -> r.functionName("img-refused")))
                .as("nothing was created").hasMessageContaining("Function not found");
    }

    @Test
    void anUnknownTagIsRefusedAtOnceAndATamperedLayerFailsTheFunctionWithInvalidImage() throws Exception {
        assertThatThrownBy(() -> lambda().createFunction(r -> r.functionName("img-missing")
                .packageType(PackageType.IMAGE).role(TestServer.ROLE)
                .code(c -> c.imageUri(REGISTRIES.open.address() + "/app:no-such-tag"))))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageContaining("no-such-tag");

        OciLayoutBuilder[] built = new OciLayoutBuilder[1];
        Descriptor[] own = new Descriptor[1];
        String uri = push(REGISTRIES.open, "tampered:v1", layout -> {
            built[0] = layout;
            List<Descriptor> layers = imageLayers(layout, "tampered");
            own[0] = layers.getLast();
            return layers;
        });
        Path blob = REGISTRIES.open.blobData(own[0].digest());
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length / 2] ^= 1;
        Files.write(blob, bytes);

        lambda().createFunction(r -> r.functionName("img-tampered").packageType(PackageType.IMAGE)
                .role(TestServer.ROLE).code(c -> c.imageUri(uri)));
        var failed = await().atMost(Duration.ofSeconds(60)).until(
                () -> lambda().getFunctionConfiguration(r -> r.functionName("img-tampered")),
                c -> c.state() != State.PENDING);
        assertThat(failed.state()).isEqualTo(State.FAILED);
        assertThat(failed.stateReasonCodeAsString()).isEqualTo("InvalidImage");
        assertThat(failed.stateReason()).contains(REGISTRIES.open.address() + "/tampered").contains("digest");
    }

    @Test
    void zipOnlyMembersAreRefusedForImagesAndImageMembersForZips() {
        assertThatThrownBy(() -> lambda().createFunction(r -> r.functionName("img-with-runtime")
                .packageType(PackageType.IMAGE).runtime("provided.al2023").handler("x").role(TestServer.ROLE)
                .code(c -> c.imageUri(REGISTRIES.open.address() + "/app:v1"))))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageContaining("Runtime and Handler");
        assertThatThrownBy(() -> lambda().createFunction(r -> r.functionName("zip-with-image-config")
                .runtime("provided.al2023").handler("x").role(TestServer.ROLE).imageConfig(i -> i.command("a"))
                .code(c -> c.zipFile(Zips.sdk(ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY))))))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageContaining("ImageConfig");
        assertThatThrownBy(() -> lambda().createFunction(r -> r.functionName("img-without-uri")
                .packageType(PackageType.IMAGE).role(TestServer.ROLE).code(c -> c.zipFile(
                        Zips.sdk(ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY))))))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageContaining("ImageUri");
    }

    // ---------------------------------------------------------------- images

    /** Builds an image with {@link TestImages#SWISS_ARMY_CONFIG} and pushes it; returns its reference. */
    private static String push(LocalRegistry registry, String repositoryAndTag, TestImages.Layers layers)
            throws Exception {
        return TestImages.push(registry, SERVER.dir(), repositoryAndTag, TestImages.SWISS_ARMY_CONFIG, layers);
    }

    /** {@link TestImages#layers(String)} in {@code layout}. */
    private static List<Descriptor> imageLayers(OciLayoutBuilder layout, String version) throws Exception {
        return TestImages.layers(layout, SERVER.dir(), version);
    }

    /** The three registries, started before the server so its credentials file can name them. */
    private static final class Registries implements AutoCloseable {
        final Path dir;
        final LocalRegistry open;
        final LocalRegistry privateWithCredentials;
        final LocalRegistry privateWithoutCredentials;
        final Path credentialsFile;

        private Registries(Path dir, LocalRegistry open, LocalRegistry privateWithCredentials,
                           LocalRegistry privateWithoutCredentials, Path credentialsFile) {
            this.dir = dir;
            this.open = open;
            this.privateWithCredentials = privateWithCredentials;
            this.privateWithoutCredentials = privateWithoutCredentials;
            this.credentialsFile = credentialsFile;
        }

        static Registries start() {
            try {
                Path dir = Files.createTempDirectory("kindling-it-registries-");
                LocalRegistry open = LocalRegistry.start(Files.createDirectories(dir.resolve("open")));
                LocalRegistry withCredentials = LocalRegistry.start(Files.createDirectories(dir.resolve("private")),
                        Optional.of(PRIVATE));
                LocalRegistry withoutCredentials = LocalRegistry.start(Files.createDirectories(dir.resolve("other")),
                        Optional.of(new RegistryCredentials("someone", "else")));
                Path credentials = dir.resolve("docker-config.json");
                Files.createFile(credentials, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
                String auth = java.util.Base64.getEncoder().encodeToString((PRIVATE.username() + ":"
                        + PRIVATE.password()).getBytes(StandardCharsets.UTF_8));
                Files.writeString(credentials, "{\"auths\":{\"" + withCredentials.address() + "\":{\"auth\":\"" + auth
                        + "\"}}}");
                return new Registries(dir, open, withCredentials, withoutCredentials, credentials);
            } catch (Exception e) {
                throw new IllegalStateException("the test registries could not start", e);
            }
        }

        @Override
        public void close() throws Exception {
            try {
                open.close();
                privateWithCredentials.close();
                privateWithoutCredentials.close();
            } finally {
                try (var walk = Files.walk(dir)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                        try {
                            Files.deleteIfExists(p);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                }
            }
        }
    }
}
