package io.kindling.chunks.oci.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kindling.chunks.image.HostCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Writes an OCI image layout (oci-layout, index.json, blobs/sha256/…) for skopeo to push: tar
 * layers, plain or gzip'ed, a config, manifests, and image indexes over several platforms.
 */
public final class OciLayoutBuilder {
    private final ObjectMapper json = new ObjectMapper();
    private final Path dir;
    private final Map<String, Descriptor> tags = new LinkedHashMap<>();
    private final Map<BlobDigest, byte[]> blobs = new LinkedHashMap<>();

    public OciLayoutBuilder(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        Files.createDirectories(dir.resolve("blobs/sha256"));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    }

    public Path dir() {
        return dir;
    }

    public byte[] bytes(BlobDigest digest) {
        return blobs.get(digest).clone();
    }

    /** Any bytes as a blob of {@code mediaType}. */
    public Descriptor blob(String mediaType, byte[] bytes) throws IOException {
        BlobDigest digest = BlobDigest.of(bytes);
        Files.write(dir.resolve("blobs/sha256").resolve(digest.hex()), bytes);
        blobs.put(digest, bytes.clone());
        return new Descriptor(mediaType, digest, bytes.length);
    }

    /** A tar of {@code files} (path → content), gzip'ed or not. */
    public Descriptor layer(Map<String, String> files, boolean gzip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream compressed = gzip ? new GzipCompressorOutputStream(bytes) : bytes;
                TarArchiveOutputStream tar = new TarArchiveOutputStream(compressed)) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                byte[] content = file.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
                entry.setSize(content.length);
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        return blob(gzip ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER, bytes.toByteArray());
    }

    /** A tar of {@code files} compressed with Debian's zstd (commons-compress needs zstd-jni for it, which is not here). */
    public Descriptor zstdLayer(Map<String, String> files) throws Exception {
        Path tar = Files.createTempFile(dir, "layer", ".tar");
        Path zst = dir.resolve(tar.getFileName() + ".zst");
        Files.write(tar, bytes(layer(files, false).digest()));
        HostCommand.Result compressed = HostCommand.run(List.of("zstd", "-q", "-f", tar.toString(), "-o", zst.toString()),
                Duration.ofSeconds(30));
        if (!compressed.succeeded()) {
            throw new IllegalStateException(compressed.describe());
        }
        byte[] bytes = Files.readAllBytes(zst);
        Files.delete(tar);
        Files.delete(zst);
        return blob(MediaTypes.OCI_LAYER_ZSTD, bytes);
    }

    /** An image config for {@code platform} running {@code entrypoint}. */
    public Descriptor config(Platform platform, List<String> entrypoint, List<String> cmd, List<String> env, String workingDir,
            String user, List<Descriptor> layers) throws IOException {
        ObjectNode root = json.createObjectNode().put("architecture", platform.architecture()).put("os", platform.os());
        ObjectNode config = root.putObject("config");
        entrypoint.forEach(config.putArray("Entrypoint")::add);
        cmd.forEach(config.putArray("Cmd")::add);
        env.forEach(config.putArray("Env")::add);
        config.put("WorkingDir", workingDir).put("User", user);
        ObjectNode rootfs = root.putObject("rootfs").put("type", "layers");
        // The diff IDs should be the uncompressed tars' digests; no client here reads them.
        layers.forEach(layer -> rootfs.withArray("diff_ids").add(layer.digest().toString()));
        return blob(MediaTypes.OCI_CONFIG, json.writeValueAsBytes(root));
    }

    /** A simple image config for {@code platform}. */
    public Descriptor config(Platform platform, List<Descriptor> layers) throws IOException {
        return config(platform, List.of("/bin/handler"), List.of("serve"), List.of("PATH=/usr/bin:/bin"), "/var/task", "1000", layers);
    }

    public Descriptor manifest(Descriptor config, List<Descriptor> layers) throws IOException {
        ObjectNode manifest = json.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_MANIFEST);
        manifest.set("config", node(config));
        ArrayNode array = manifest.putArray("layers");
        layers.forEach(layer -> array.add(node(layer)));
        return blob(MediaTypes.OCI_MANIFEST, json.writeValueAsBytes(manifest));
    }

    /** An image index listing each manifest for its platform. */
    public Descriptor index(Map<Platform, Descriptor> manifests) throws IOException {
        ObjectNode index = json.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode array = index.putArray("manifests");
        manifests.forEach((platform, manifest) -> array.add(node(manifest).set("platform",
                json.createObjectNode().put("architecture", platform.architecture()).put("os", platform.os()))));
        return blob(MediaTypes.OCI_INDEX, json.writeValueAsBytes(index));
    }

    /** Names {@code manifest} (or an index) {@code tag} in index.json. */
    public void tag(String tag, Descriptor manifest) throws IOException {
        tags.put(tag, manifest);
        ObjectNode index = json.createObjectNode().put("schemaVersion", 2);
        ArrayNode array = index.putArray("manifests");
        tags.forEach((name, descriptor) -> array.add(node(descriptor).set("annotations",
                json.createObjectNode().put("org.opencontainers.image.ref.name", name))));
        Files.write(dir.resolve("index.json"), json.writeValueAsBytes(index));
    }

    private ObjectNode node(Descriptor descriptor) {
        return json.createObjectNode().put("mediaType", descriptor.mediaType()).put("digest", descriptor.digest().toString())
                .put("size", descriptor.size());
    }

    /** A one-platform image of {@code layers} tagged {@code tag}; returns the manifest. */
    public Descriptor image(String tag, Platform platform, List<Descriptor> layers) throws IOException {
        Descriptor manifest = manifest(config(platform, layers), new ArrayList<>(layers));
        tag(tag, manifest);
        return manifest;
    }
}
