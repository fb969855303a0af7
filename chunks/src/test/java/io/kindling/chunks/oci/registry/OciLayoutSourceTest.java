package io.kindling.chunks.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.image.HostCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images read from OCI layouts on disk: written by the test fixture, and by a real umoci. */
class OciLayoutSourceTest {
    @TempDir Path dir;
    private OciLayoutBuilder layout;
    private OciLayoutSource source;

    @BeforeEach
    void layout() throws IOException {
        layout = new OciLayoutBuilder(dir.resolve("layout"));
        source = new OciLayoutSource(layout.dir(), RegistrySettings.LAMBDA_IMAGE_LIMIT);
    }

    private List<Descriptor> twoLayers() throws IOException {
        return List.of(layout.layer(Map.of("bin/handler", "#!/bin/sh\necho hello\n"), true),
                layout.layer(Map.of("var/task/data.txt", "plain tar layer\n"), false));
    }

    @Test
    void resolvesATagWithItsConfigAndHandsOutVerifiedLayers() throws Exception {
        List<Descriptor> layers = twoLayers();
        Descriptor manifest = layout.manifest(layout.config(Platform.LINUX_AMD64, List.of("/bin/handler"), List.of("serve"),
                List.of("MODE=test"), "/var/task", "1000", layers), layers);
        layout.tag("v1", manifest);

        PulledImage pulled = source.resolve(ImageReference.parse("kindling.local/fn:v1"), Platform.LINUX_AMD64);

        assertThat(pulled.manifestDigest()).isEqualTo(manifest.digest());
        assertThat(pulled.resolved().toString()).isEqualTo("kindling.local/fn@" + manifest.digest());
        assertThat(pulled.config().entrypoint()).containsExactly("/bin/handler");
        assertThat(pulled.config().env()).containsExactly("MODE=test");
        assertThat(pulled.layers()).extracting(ImageLayer::blob).containsExactlyElementsOf(layers);
        Path into = dir.resolve("layers");
        for (ImageLayer layer : pulled.layers()) {
            FetchedLayer fetched = source.fetchLayer(pulled.resolved(), layer, into);
            assertThat(fetched.downloaded()).isTrue();
            assertThat(fetched.file()).hasFileName(layer.digest().fileName()).hasBinaryContent(layout.bytes(layer.digest()));
        }
        assertThat(source.blobFile(layers.getFirst().digest())).as("the layout keeps its own blob").exists();
        try (var files = Files.list(into)) {
            assertThat(files).as("only the layers, no partial files").hasSize(2);
        }
    }

    @Test
    void aRepositoryQualifiedNameWinsOverABareTag() throws Exception {
        Descriptor bare = layout.image("v1", Platform.LINUX_AMD64, List.of(layout.layer(Map.of("a", "bare\n"), false)));
        Descriptor qualified = layout.image("fn:v1", Platform.LINUX_AMD64, List.of(layout.layer(Map.of("a", "fn\n"), false)));

        assertThat(source.resolve(ImageReference.parse("kindling.local/fn:v1"), Platform.LINUX_AMD64).manifestDigest())
                .isEqualTo(qualified.digest());
        assertThat(source.resolve(ImageReference.parse("kindling.local/other:v1"), Platform.LINUX_AMD64).manifestDigest())
                .isEqualTo(bare.digest());
        assertThatThrownBy(() -> source.resolve(ImageReference.parse("kindling.local/fn:v2"), Platform.LINUX_AMD64))
                .isInstanceOf(RegistryPullException.NotFound.class).hasMessageContaining("has no tag v2")
                .hasMessageContaining(layout.dir().toString());
    }

    @Test
    void resolvesADigestWhetherOrNotIndexJsonNamesIt() throws Exception {
        Descriptor tagged = layout.image("v1", Platform.LINUX_AMD64, List.of(layout.layer(Map.of("a", "one\n"), false)));
        List<Descriptor> untaggedLayers = List.of(layout.layer(Map.of("a", "two\n"), true));
        Descriptor untagged = layout.manifest(layout.config(Platform.LINUX_AMD64, untaggedLayers), untaggedLayers);

        for (Descriptor manifest : List.of(tagged, untagged)) {
            PulledImage pulled = source.resolve(ImageReference.parse("kindling.local/fn@" + manifest.digest()),
                    Platform.LINUX_AMD64);
            assertThat(pulled.manifestDigest()).isEqualTo(manifest.digest());
        }
        BlobDigest absent = BlobDigest.of(new byte[] {1});
        assertThatThrownBy(() -> source.resolve(ImageReference.parse("kindling.local/fn@" + absent), Platform.LINUX_AMD64))
                .isInstanceOf(RegistryPullException.NotFound.class).hasMessageContaining("has no manifest " + absent);
    }

    @Test
    void anIndexWithTwoPlatformsGivesEachItsOwnManifest() throws Exception {
        Descriptor amd = layout.manifest(layout.config(Platform.LINUX_AMD64, List.of()),
                List.of(layout.layer(Map.of("arch", "amd64\n"), false)));
        Descriptor arm = layout.manifest(layout.config(Platform.LINUX_ARM64, List.of()),
                List.of(layout.layer(Map.of("arch", "arm64\n"), false)));
        Map<Platform, Descriptor> platforms = new LinkedHashMap<>();
        platforms.put(Platform.LINUX_AMD64, amd);
        platforms.put(Platform.LINUX_ARM64, arm);
        Descriptor index = layout.index(platforms);
        layout.tag("multi", index);
        ImageReference image = ImageReference.parse("kindling.local/fn:multi");

        PulledImage onAmd = source.resolve(image, Platform.LINUX_AMD64);
        PulledImage onArm = source.resolve(image, Platform.LINUX_ARM64);

        assertThat(onAmd.manifestDigest()).isEqualTo(amd.digest());
        assertThat(onAmd.indexDigest()).contains(index.digest());
        assertThat(onArm.manifestDigest()).isEqualTo(arm.digest());
        assertThat(onArm.config().architecture()).isEqualTo("arm64");
        assertThatThrownBy(() -> source.resolve(image, new Platform("linux", "s390x")))
                .isInstanceOf(RegistryPullException.NoMatchingPlatform.class)
                .hasMessageContaining("it offers linux/amd64, linux/arm64");
    }

    @Test
    void aTamperedLayerFailsItsFetchAndLeavesNothingBehind() throws Exception {
        List<Descriptor> layers = twoLayers();
        layout.image("v1", Platform.LINUX_AMD64, layers);
        PulledImage pulled = source.resolve(ImageReference.parse("kindling.local/fn:v1"), Platform.LINUX_AMD64);
        Path blob = source.blobFile(layers.getFirst().digest());
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length / 2] ^= 1;
        Files.write(blob, bytes);

        Path into = dir.resolve("layers");
        assertThatThrownBy(() -> source.fetchLayer(pulled.resolved(), pulled.layers().getFirst(), into))
                .isInstanceOf(RegistryPullException.BadLayer.class)
                .hasMessageContaining(layers.getFirst().digest().toString())
                .hasMessageContaining("has the digest")
                .hasMessageContaining("corrupt on disk");
        try (var files = Files.list(into)) {
            assertThat(files).as("no partial file").isEmpty();
        }
    }

    @Test
    void aTamperedManifestOrConfigIsRefusedAtResolve() throws Exception {
        Descriptor manifest = layout.image("v1", Platform.LINUX_AMD64, twoLayers());
        Path file = source.blobFile(manifest.digest());
        Files.writeString(file, Files.readString(file).replace("\"schemaVersion\":2", "\"schemaVersion\":2 "));

        assertThatThrownBy(() -> source.resolve(ImageReference.parse("kindling.local/fn:v1"), Platform.LINUX_AMD64))
                .isInstanceOf(RegistryPullException.BadManifest.class).hasMessageContaining("where " + manifest.digest());
    }

    @Test
    void aMissingBlobIsNotFoundNamingIt() throws Exception {
        List<Descriptor> layers = twoLayers();
        Descriptor manifest = layout.image("v1", Platform.LINUX_AMD64, layers);
        PulledImage pulled = source.resolve(ImageReference.parse("kindling.local/fn:v1"), Platform.LINUX_AMD64);
        Files.delete(source.blobFile(layers.getLast().digest()));

        assertThatThrownBy(() -> source.fetchLayer(pulled.resolved(), pulled.layers().getLast(), dir.resolve("layers")))
                .isInstanceOf(RegistryPullException.NotFound.class)
                .hasMessageContaining("does not have the blob " + layers.getLast().digest());
        Files.delete(source.blobFile(manifest.digest()));
        assertThatThrownBy(() -> source.resolve(ImageReference.parse("kindling.local/fn:v1"), Platform.LINUX_AMD64))
                .isInstanceOf(RegistryPullException.NotFound.class).hasMessageContaining(manifest.digest().toString());
    }

    @Test
    void theSizeGateAppliesBeforeAnyLayerIsRead() throws Exception {
        List<Descriptor> layers = twoLayers();
        layout.image("v1", Platform.LINUX_AMD64, layers);
        long size = layers.get(0).size() + layers.get(1).size();
        OciLayoutSource small = new OciLayoutSource(layout.dir(), size - 1);

        assertThatThrownBy(() -> small.resolve(ImageReference.parse("kindling.local/fn:v1"), Platform.LINUX_AMD64))
                .isInstanceOf(RegistryPullException.ImageTooLarge.class);
    }

    @Test
    void aDirectoryThatIsNoLayoutIsSaidToBeNone() throws Exception {
        OciLayoutSource none = new OciLayoutSource(Files.createDirectories(dir.resolve("empty")), 1 << 20);
        assertThatThrownBy(() -> none.resolve(ImageReference.parse("kindling.local/fn:v1"), Platform.LINUX_AMD64))
                .isInstanceOf(RegistryPullException.NotFound.class).hasMessageContaining("not an OCI image layout");
    }

    @Test
    void readsWhatUmociWrote() throws Exception {
        Path umoci = dir.resolve("umoci");
        Path file = Files.writeString(dir.resolve("hello.txt"), "written by umoci\n");
        run("umoci", "init", "--layout", umoci.toString());
        run("umoci", "new", "--image", umoci + ":v1");
        run("umoci", "config", "--image", umoci + ":v1", "--config.entrypoint", "/var/task/hello",
                "--config.workingdir", "/var/task", "--architecture", "amd64", "--os", "linux");
        run("umoci", "insert", "--image", umoci + ":v1", file.toString(), "/var/task/hello.txt");

        OciLayoutSource fromUmoci = new OciLayoutSource(umoci, RegistrySettings.LAMBDA_IMAGE_LIMIT);
        PulledImage pulled = fromUmoci.resolve(ImageReference.parse("kindling.local/anything:v1"), Platform.LINUX_AMD64);

        assertThat(pulled.config().entrypoint()).containsExactly("/var/task/hello");
        assertThat(pulled.config().workingDir()).isEqualTo(Optional.of("/var/task"));
        assertThat(pulled.layers()).hasSize(1);
        FetchedLayer fetched = fromUmoci.fetchLayer(pulled.resolved(), pulled.layers().getFirst(), dir.resolve("layers"));
        assertThat(fetched.file()).hasSameBinaryContentAs(fromUmoci.blobFile(pulled.layers().getFirst().digest()));
        try (var gunzip = new java.util.zip.GZIPInputStream(Files.newInputStream(fetched.file()))) {
            // umoci's tar ends without the two zero blocks a tar reader insists on; the bytes are what matter here.
            assertThat(new String(gunzip.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1))
                    .contains("var/task/hello.txt").contains("written by umoci");
        }
    }

    private static void run(String... command) throws Exception {
        HostCommand.Result result = HostCommand.run(List.of(command), Duration.ofSeconds(60));
        assertThat(result.succeeded()).as(result.describe()).isTrue();
    }
}
