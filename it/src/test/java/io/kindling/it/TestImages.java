package io.kindling.it;

import io.kindling.chunks.oci.layers.LayerBlob;
import io.kindling.chunks.oci.layers.TestLayer;
import io.kindling.chunks.oci.registry.Descriptor;
import io.kindling.chunks.oci.registry.LocalRegistry;
import io.kindling.chunks.oci.registry.OciLayoutBuilder;
import io.kindling.chunks.oci.registry.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

    /**
     * The image config of {@link #layers(String)}: starts the swiss-army bootstrap as {@code handler.one} in
     * /var/task, with an environment and a user of the image's own (which the tests' functions override in part).
     */
    static final Config SWISS_ARMY_CONFIG = new Config(List.of("/var/task/bootstrap"), List.of("handler.one"),
            List.of("PATH=/usr/bin:/bin", "FROM_IMAGE=from the image", "OVERRIDDEN=by the image"), "/var/task",
            "imageuser");

    /**
     * The host userland (the same bytes every time, so a shared base), then the image's own layer: /etc with a passwd
     * of its own, the swiss-army bootstrap at /var/task/bootstrap and /opt/alt/bootstrap (the latter exporting ALT),
     * and /var/task/version holding {@code version}.
     */
    static List<TestLayer> layers(String version) throws IOException, InterruptedException {
        byte[] bootstrap = ProvidedRuntimeBootstraps.SWISS_ARMY.getBytes(StandardCharsets.UTF_8);
        byte[] alternative = ProvidedRuntimeBootstraps.SWISS_ARMY.replace("set -u",
                "set -u\nexport ALT='started by the alternative bootstrap'").getBytes(StandardCharsets.UTF_8);
        TestLayer own = new TestLayer().dir("etc").dir("var").dir("var/task").dir("opt").dir("opt/alt")
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nimageuser:x:1000:1000::/home/imageuser:/bin/sh\n")
                .file("var/task/bootstrap", bootstrap, 0755, 0, 0)
                .file("opt/alt/bootstrap", alternative, 0755, 0, 0)
                .file("var/task/version", version + "\n");
        return List.of(hostUserland(), own);
    }

    /** {@link #layers(String)} gzip'ed into {@code layout}, with {@code scratch} for the compressed files. */
    static List<Descriptor> layers(OciLayoutBuilder layout, Path scratch, String version)
            throws IOException, InterruptedException {
        List<Descriptor> descriptors = new java.util.ArrayList<>();
        for (TestLayer layer : layers(version)) {
            descriptors.add(blob(layout, scratch, layer));
        }
        return descriptors;
    }

    /** {@link #SWISS_ARMY_CONFIG} as a config blob in {@code layout}. */
    static Descriptor config(OciLayoutBuilder layout, List<Descriptor> layers) throws IOException {
        Config c = SWISS_ARMY_CONFIG;
        return layout.config(Platform.LINUX_AMD64, c.entrypoint(), c.command(), c.environment(), c.workingDirectory(),
                c.user(), layers);
    }
}
