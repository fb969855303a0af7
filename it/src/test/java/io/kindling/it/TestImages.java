package io.kindling.it;

import io.kindling.chunks.oci.layers.TestLayer;
import io.kindling.chunks.oci.registry.Descriptor;
import io.kindling.chunks.oci.registry.OciLayoutBuilder;
import io.kindling.chunks.oci.registry.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The container images the integration tests run: this host's userland as the base layer ({@link HostUserland}), then
 * a layer of the image's own with the swiss-army bootstrap; and the config that starts it.
 */
final class TestImages {
    private static TestLayer base;

    private TestImages() {}

    /** Built once: gzip of ~15 MB of binaries is the slow part of building an image. */
    static synchronized TestLayer base() throws IOException, InterruptedException {
        if (base == null) {
            base = HostUserland.layer();
        }
        return base;
    }

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
        return List.of(base(), own);
    }

    /** {@link #layers} gzip'ed into {@code layout}, with {@code scratch} for the compressed files. */
    static List<Descriptor> layers(OciLayoutBuilder layout, Path scratch, String version)
            throws IOException, InterruptedException {
        List<Descriptor> descriptors = new java.util.ArrayList<>();
        for (TestLayer layer : layers(version)) {
            Path file = Files.createTempFile(scratch, "layer-", ".tar.gz");
            layer.writeTo(file, TestLayer.Compression.GZIP);
            descriptors.add(layout.blob(TestLayer.TAR_GZIP, Files.readAllBytes(file)));
            Files.delete(file);
        }
        return descriptors;
    }

    /** The config that starts the bootstrap as {@code handler.one}, with an environment and a user of the image's. */
    static Descriptor config(OciLayoutBuilder layout, List<Descriptor> layers) throws IOException {
        return layout.config(Platform.LINUX_AMD64, List.of("/var/task/bootstrap"), List.of("handler.one"),
                List.of("PATH=/usr/bin:/bin", "FROM_IMAGE=from the image", "OVERRIDDEN=by the image"), "/var/task",
                "imageuser", layers);
    }
}
