package io.kindling.chunks.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from a real registry (Debian's docker-registry) what a real skopeo pushed. */
class RegistryClientTest {
    @TempDir Path dir;
    private LocalRegistry registry;
    private OciLayoutBuilder layout;
    private RegistryClient client;

    @BeforeEach
    void startRegistry() throws Exception {
        registry = LocalRegistry.start(dir.resolve("registry"));
        layout = new OciLayoutBuilder(dir.resolve("layout"));
        client = new RegistryClient(RegistrySettings.defaults());
    }

    @AfterEach
    void stopRegistry() throws Exception {
        client.close();
        registry.close();
    }

    private List<Descriptor> twoLayers() throws IOException {
        return List.of(layout.layer(Map.of("bin/handler", "#!/bin/sh\necho hello\n"), true),
                layout.layer(Map.of("var/task/data.txt", "plain tar layer\n"), false));
    }

    @Test
    void pullsByTagWithConfigAndVerifiedLayers() throws Exception {
        List<Descriptor> layers = twoLayers();
        Descriptor manifest = layout.manifest(layout.config(Platform.LINUX_AMD64, List.of("/bin/handler", "--fast"), List.of("serve"),
                List.of("PATH=/usr/bin:/bin", "MODE=test"), "/var/task", "1000:1000", layers), layers);
        layout.tag("v1", manifest);
        registry.push(layout, "v1", "team/fn:v1", false);

        ImageReference image = registry.image("team/fn:v1");
        PulledImage pulled = client.resolve(image, Platform.LINUX_AMD64);

        assertThat(pulled.manifestDigest()).as("the digest computed from the manifest's bytes").isEqualTo(manifest.digest());
        assertThat(pulled.resolved().toString()).isEqualTo(registry.address() + "/team/fn@" + manifest.digest());
        assertThat(pulled.indexDigest()).isEmpty();
        assertThat(pulled.config()).isEqualTo(new ContainerConfig(List.of("/bin/handler", "--fast"), List.of("serve"),
                Optional.of("/var/task"), List.of("PATH=/usr/bin:/bin", "MODE=test"), Optional.of("1000:1000"), "linux", "amd64"));
        assertThat(pulled.layers()).extracting(ImageLayer::blob).containsExactlyElementsOf(layers);
        assertThat(pulled.layers()).extracting(ImageLayer::compression).containsExactly(LayerCompression.GZIP, LayerCompression.NONE);
        assertThat(pulled.compressedSize()).isEqualTo(layers.get(0).size() + layers.get(1).size());

        Path layerDir = dir.resolve("layers");
        for (ImageLayer layer : pulled.layers()) {
            FetchedLayer fetched = client.fetchLayer(pulled.resolved(), layer, layerDir);
            assertThat(fetched.downloaded()).isTrue();
            assertThat(fetched.file()).hasFileName(layer.digest().fileName()).hasBinaryContent(layout.bytes(layer.digest()));
        }
        try (var files = Files.list(layerDir)) {
            assertThat(files).as("only the layers, no partial files").hasSize(2);
        }
    }

    @Test
    void zstdLayersAreHandedOnAsTheyAre() throws Exception {
        Descriptor zstd = layout.zstdLayer(Map.of("bin/handler", "zstd-compressed\n"));
        layout.image("zstd", Platform.LINUX_AMD64, List.of(zstd));
        registry.push(layout, "zstd", "fn:zstd", false);

        PulledImage pulled = client.resolve(registry.image("fn:zstd"), Platform.LINUX_AMD64);
        assertThat(pulled.layers()).extracting(ImageLayer::compression).containsExactly(LayerCompression.ZSTD);
        FetchedLayer fetched = client.fetchLayer(pulled.resolved(), pulled.layers().getFirst(), dir.resolve("layers"));
        assertThat(fetched.file()).hasBinaryContent(layout.bytes(zstd.digest()));
        assertThat(java.util.Arrays.copyOf(layout.bytes(zstd.digest()), 4)).as("zstd's magic number")
                .containsExactly(0x28, 0xb5, 0x2f, 0xfd);
    }

    @Test
    void streamsALayerAndVerifiesItAtTheEnd() throws Exception {
        List<Descriptor> layers = twoLayers();
        layout.image("v1", Platform.LINUX_AMD64, layers);
        registry.push(layout, "v1", "fn:v1", false);
        PulledImage pulled = client.resolve(registry.image("fn:v1"), Platform.LINUX_AMD64);

        try (VerifiedBlobStream in = client.openLayer(pulled.resolved(), pulled.layers().getFirst())) {
            byte[] start = in.readNBytes(10);
            in.verifyToEnd();
            assertThat(start).isEqualTo(java.util.Arrays.copyOf(layout.bytes(layers.getFirst().digest()), 10));
        }
    }

    @Test
    void pullsByDigestAndChecksTheManifestDigest() throws Exception {
        Descriptor manifest = layout.image("v1", Platform.LINUX_AMD64, twoLayers());
        registry.push(layout, "v1", "fn:v1", false);

        ImageReference byDigest = ImageReference.parse(registry.address() + "/fn@" + manifest.digest());
        PulledImage pulled = client.resolve(byDigest, Platform.LINUX_AMD64);
        assertThat(pulled.manifestDigest()).isEqualTo(manifest.digest());
        assertThat(pulled.resolved()).isEqualTo(byDigest);

        ImageReference tagAndDigest = ImageReference.parse(registry.address() + "/fn:v1@" + manifest.digest());
        assertThat(client.resolve(tagAndDigest, Platform.LINUX_AMD64).manifestDigest()).isEqualTo(manifest.digest());

        BlobDigest unknown = BlobDigest.of("no such manifest".getBytes());
        assertThatThrownBy(() -> client.resolve(ImageReference.parse(registry.address() + "/fn@" + unknown), Platform.LINUX_AMD64))
                .isInstanceOf(RegistryPullException.NotFound.class).hasMessageContaining(unknown.toString());
    }

    @Test
    void anIndexGivesTheManifestOfTheAskedArchitecture() throws Exception {
        Descriptor amd64 = layout.manifest(layout.config(Platform.LINUX_AMD64, List.of()),
                List.of(layout.layer(Map.of("arch", "amd64"), true)));
        Descriptor arm64 = layout.manifest(layout.config(Platform.LINUX_ARM64, List.of()),
                List.of(layout.layer(Map.of("arch", "arm64"), true)));
        Map<Platform, Descriptor> platforms = new java.util.LinkedHashMap<>();
        platforms.put(Platform.LINUX_ARM64, arm64);
        platforms.put(Platform.LINUX_AMD64, amd64);
        Descriptor index = layout.index(platforms);
        layout.tag("multi", index);
        registry.push(layout, "multi", "fn:multi", true);
        ImageReference image = registry.image("fn:multi");

        PulledImage forAmd64 = client.resolve(image, Platform.LINUX_AMD64);
        assertThat(forAmd64.manifestDigest()).isEqualTo(amd64.digest());
        assertThat(forAmd64.indexDigest()).contains(index.digest());
        assertThat(forAmd64.config().architecture()).isEqualTo("amd64");

        PulledImage forArm64 = client.resolve(image, Platform.LINUX_ARM64);
        assertThat(forArm64.manifestDigest()).isEqualTo(arm64.digest());
        assertThat(forArm64.resolved().toString()).endsWith("@" + arm64.digest());

        assertThatThrownBy(() -> client.resolve(image, new Platform("linux", "s390x")))
                .isInstanceOf(RegistryPullException.NoMatchingPlatform.class)
                .hasMessageContaining(image.toString()).hasMessageContaining("linux/s390x")
                .hasMessageContaining("linux/arm64, linux/amd64");
    }

    @Test
    void pullsDockerSchemaTwoManifestsAndManifestLists() throws Exception {
        Descriptor amd64 = layout.manifest(layout.config(Platform.LINUX_AMD64, List.of()),
                List.of(layout.layer(Map.of("arch", "amd64"), true)));
        Descriptor arm64 = layout.manifest(layout.config(Platform.LINUX_ARM64, List.of()),
                List.of(layout.layer(Map.of("arch", "arm64"), true)));
        layout.tag("single", amd64);
        layout.tag("multi", layout.index(Map.of(Platform.LINUX_AMD64, amd64, Platform.LINUX_ARM64, arm64)));
        registry.push(layout, "single", "docker:single", false, true);
        registry.push(layout, "multi", "docker:multi", true, true);

        PulledImage single = client.resolve(registry.image("docker:single"), Platform.LINUX_AMD64);
        assertThat(single.manifestMediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        assertThat(single.config().entrypoint()).containsExactly("/bin/handler");
        assertThat(single.layers()).extracting(layer -> layer.blob().mediaType()).containsExactly(MediaTypes.DOCKER_LAYER_GZIP);
        assertThat(single.layers()).extracting(ImageLayer::compression).containsExactly(LayerCompression.GZIP);
        assertThat(client.fetchLayer(single.resolved(), single.layers().getFirst(), dir.resolve("layers")).file())
                .hasBinaryContent(layout.bytes(single.layers().getFirst().digest()));

        PulledImage fromList = client.resolve(registry.image("docker:multi"), Platform.LINUX_ARM64);
        assertThat(fromList.indexDigest()).isPresent();
        assertThat(fromList.manifestMediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        assertThat(fromList.config().architecture()).isEqualTo("arm64");
    }

    @Test
    void aSinglePlatformImageForAnotherArchitectureIsRefused() throws Exception {
        layout.image("arm", Platform.LINUX_ARM64, twoLayers());
        registry.push(layout, "arm", "fn:arm", false);

        assertThatThrownBy(() -> client.resolve(registry.image("fn:arm"), Platform.LINUX_AMD64))
                .isInstanceOf(RegistryPullException.NoMatchingPlatform.class)
                .hasMessage("The image " + registry.address() + "/fn:arm is built for linux/arm64, and the function needs linux/amd64.");
    }

    @Test
    void anUnknownTagIsNotFoundNamingTheImage() throws Exception {
        layout.image("v1", Platform.LINUX_AMD64, twoLayers());
        registry.push(layout, "v1", "fn:v1", false);

        assertThatThrownBy(() -> client.resolve(registry.image("fn:v2"), Platform.LINUX_AMD64))
                .isInstanceOf(RegistryPullException.NotFound.class)
                .hasMessage("The image " + registry.address() + "/fn:v2 does not exist: the registry " + registry.address()
                        + " has no tag v2 in repository fn.");
        assertThatThrownBy(() -> client.resolve(registry.image("nothing/here:v1"), Platform.LINUX_AMD64))
                .isInstanceOf(RegistryPullException.NotFound.class).hasMessageContaining("nothing/here:v1");
    }

    @Test
    void aTamperedLayerFailsAndLeavesNoFile() throws Exception {
        List<Descriptor> layers = twoLayers();
        layout.image("v1", Platform.LINUX_AMD64, layers);
        registry.push(layout, "v1", "fn:v1", false);
        PulledImage pulled = client.resolve(registry.image("fn:v1"), Platform.LINUX_AMD64);
        Path stored = registry.blobData(layers.getFirst().digest());
        byte[] bytes = Files.readAllBytes(stored);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(stored, bytes);

        Path layerDir = dir.resolve("layers");
        assertThatThrownBy(() -> client.fetchLayer(pulled.resolved(), pulled.layers().getFirst(), layerDir))
                .isInstanceOf(RegistryPullException.BadLayer.class)
                .hasMessageContaining(layers.getFirst().digest().toString()).hasMessageContaining("fn@sha256:")
                .hasMessageContaining("corrupt");
        try (var files = Files.list(layerDir)) {
            assertThat(files).as("neither the layer nor a partial file").isEmpty();
        }

        try (VerifiedBlobStream in = client.openLayer(pulled.resolved(), pulled.layers().getFirst())) {
            assertThatThrownBy(in::verifyToEnd).isInstanceOf(RegistryPullException.BadLayer.class);
        }
    }

    @Test
    void aKnownLayerIsNotFetchedAgain() throws Exception {
        List<Descriptor> layers = twoLayers();
        layout.image("v1", Platform.LINUX_AMD64, layers);
        registry.push(layout, "v1", "fn:v1", false);
        // Another image sharing the first layer.
        layout.image("v2", Platform.LINUX_AMD64, List.of(layers.getFirst(), layout.layer(Map.of("v2", "yes"), true)));
        registry.push(layout, "v2", "other:v2", false);
        Path layerDir = dir.resolve("layers");

        PulledImage first = client.resolve(registry.image("fn:v1"), Platform.LINUX_AMD64);
        for (ImageLayer layer : first.layers()) {
            assertThat(client.fetchLayer(first.resolved(), layer, layerDir).downloaded()).isTrue();
        }
        PulledImage second = client.resolve(registry.image("other:v2"), Platform.LINUX_AMD64);
        assertThat(client.fetchLayer(second.resolved(), second.layers().get(0), layerDir).downloaded()).isFalse();
        assertThat(client.fetchLayer(second.resolved(), second.layers().get(1), layerDir).downloaded()).isTrue();

        assertThat(registry.blobDownloads(layers.getFirst().digest())).as("GETs of the shared layer in the registry's log").isEqualTo(1);
        assertThat(registry.blobDownloads(second.layers().get(1).digest())).isEqualTo(1);
    }

    @Test
    void concurrentFetchesOfOneLayerLeaveOneCompleteFile() throws Exception {
        // Random bytes under a gzip media type: the client hands layers on without looking inside.
        byte[] random = new byte[4 * 1024 * 1024];
        new java.util.Random(6).nextBytes(random);
        Descriptor layer = layout.blob(MediaTypes.OCI_LAYER_GZIP, random);
        layout.image("big", Platform.LINUX_AMD64, List.of(layer));
        registry.push(layout, "big", "fn:big", false);
        PulledImage pulled = client.resolve(registry.image("fn:big"), Platform.LINUX_AMD64);
        Path layerDir = dir.resolve("layers");

        List<java.util.concurrent.Future<FetchedLayer>> fetches = new java.util.ArrayList<>();
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 4; i++) {
                fetches.add(threads.submit(() -> client.fetchLayer(pulled.resolved(), pulled.layers().getFirst(), layerDir)));
            }
        }
        for (var fetch : fetches) {
            assertThat(fetch.get().file()).hasBinaryContent(random);
        }
        try (var files = Files.list(layerDir)) {
            assertThat(files).as("one layer file, no partial ones").containsExactly(layerDir.resolve(layer.digest().fileName()));
        }
    }

    @Test
    void anImageOverTheLimitFailsBeforeAnyLayerIsDownloaded() throws Exception {
        List<Descriptor> layers = twoLayers();
        layout.image("v1", Platform.LINUX_AMD64, layers);
        registry.push(layout, "v1", "fn:v1", false);
        long size = layers.get(0).size() + layers.get(1).size();

        try (RegistryClient small = new RegistryClient(RegistrySettings.defaults().withMaxImageBytes(size - 1))) {
            assertThatThrownBy(() -> small.resolve(registry.image("fn:v1"), Platform.LINUX_AMD64))
                    .isInstanceOf(RegistryPullException.ImageTooLarge.class)
                    .hasMessage("The image " + registry.address() + "/fn:v1 has " + size
                            + " bytes of compressed layers, more than the limit of " + (size - 1) + " bytes.");
        }
        for (Descriptor layer : layers) {
            assertThat(registry.blobDownloads(layer.digest())).isZero();
        }
    }

    @Test
    void unsupportedLayerMediaTypesAreRefused() throws Exception {
        Descriptor odd = layout.blob("application/vnd.oci.image.layer.v1.tar+bzip2", "BZh9 not really".getBytes());
        layout.image("odd", Platform.LINUX_AMD64, List.of(odd));
        registry.push(layout, "odd", "fn:odd", false);

        assertThatThrownBy(() -> client.resolve(registry.image("fn:odd"), Platform.LINUX_AMD64))
                .isInstanceOf(RegistryPullException.UnsupportedMediaType.class)
                .hasMessage("Layer 1 of image " + registry.address()
                        + "/fn:odd is a application/vnd.oci.image.layer.v1.tar+bzip2; layers must be tar, gzip- or zstd-compressed tar.");
    }

    @Test
    void anArtifactThatIsNotAContainerImageIsRefused() throws Exception {
        Descriptor config = layout.blob("application/vnd.example.chart.config+json", "{}".getBytes());
        Descriptor content = layout.blob(MediaTypes.OCI_LAYER_GZIP, layout.bytes(twoLayers().getFirst().digest()));
        layout.tag("chart", layout.manifest(config, List.of(content)));
        registry.push(layout, "chart", "fn:chart", false);

        assertThatThrownBy(() -> client.resolve(registry.image("fn:chart"), Platform.LINUX_AMD64))
                .isInstanceOf(RegistryPullException.UnsupportedMediaType.class)
                .hasMessageContaining("is not a container image").hasMessageContaining("application/vnd.example.chart.config+json");
    }

    @Test
    void aStoppedRegistryIsUnreachable() throws Exception {
        ImageReference image = registry.image("fn:v1");
        registry.close();

        assertThatThrownBy(() -> client.resolve(image, Platform.LINUX_AMD64))
                .isInstanceOf(RegistryPullException.Unreachable.class)
                .hasMessageStartingWith("The registry http://" + registry.address() + " cannot be reached to pull " + image);
    }
}
