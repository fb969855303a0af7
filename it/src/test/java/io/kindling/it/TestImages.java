package io.kindling.it;

import io.kindling.chunks.oci.layers.LayerBlob;
import io.kindling.chunks.oci.layers.TestLayer;
import io.kindling.chunks.oci.registry.Descriptor;
import io.kindling.chunks.oci.registry.LocalRegistry;
import io.kindling.chunks.oci.registry.OciLayoutBuilder;
import io.kindling.chunks.oci.registry.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Container images for the image-function tests: built as OCI layouts in a scratch directory, layer by layer, then
 * pushed by skopeo to a {@link LocalRegistry}; the host userland base layer is built once per test run.
 */
final class TestImages {
    private static TestLayer hostUserland;

    private TestImages() {}

    /** The layers of one image, bottom first, each added to {@code layout} with {@link #blob}. */
    @FunctionalInterface
    interface Layers {
        List<Descriptor> build(OciLayoutBuilder layout) throws Exception;
    }

    /** What an image's config holds for running it: ENTRYPOINT, CMD, ENV, WORKDIR and USER. */
    record Config(List<String> entrypoint, List<String> command, List<String> environment, String workingDirectory,
                  String user) {}

    /** Builds an image in a fresh OCI layout under {@code scratch} and pushes it; returns its reference. */
    static String push(LocalRegistry registry, Path scratch, String repositoryAndTag, Config config, Layers layers)
            throws Exception {
        OciLayoutBuilder layout = new OciLayoutBuilder(Files.createTempDirectory(scratch, "layout-"));
        List<Descriptor> built = layers.build(layout);
        Descriptor configBlob = layout.config(Platform.LINUX_AMD64, config.entrypoint(), config.command(),
                config.environment(), config.workingDirectory(), config.user(), built);
        layout.tag("t", layout.manifest(configBlob, built));
        registry.push(layout, "t", repositoryAndTag, false);
        return registry.address() + "/" + repositoryAndTag;
    }

    /** Adds {@code layer} to {@code layout} as a gzip layer blob. */
    static Descriptor blob(OciLayoutBuilder layout, Path scratch, TestLayer layer) throws IOException {
        return blob(layout, scratch, layer, TestLayer.Compression.GZIP);
    }

    /** Adds {@code layer} to {@code layout} as a layer blob compressed with {@code compression}. */
    static Descriptor blob(OciLayoutBuilder layout, Path scratch, TestLayer layer, TestLayer.Compression compression)
            throws IOException {
        Path file = Files.createTempFile(scratch, "layer-", ".tar");
        LayerBlob written = layer.writeTo(file, compression);
        Descriptor descriptor = layout.blob(written.mediaType(), Files.readAllBytes(file));
        Files.delete(file);
        return descriptor;
    }

    /**
     * {@link HostUserland#layer()}, built once: gzip of ~15 MB of binaries is the slow part of building an image, and
     * the same bytes every time make a base that images share.
     */
    static synchronized TestLayer hostUserland() throws IOException, InterruptedException {
        if (hostUserland == null) {
            hostUserland = HostUserland.layer();
        }
        return hostUserland;
    }
}
