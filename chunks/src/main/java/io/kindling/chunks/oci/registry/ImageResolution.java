package io.kindling.chunks.oci.registry;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules every {@link ImageSource} resolves by, whatever carries the bytes: a manifest's digest checked against
 * the one asked for, an index's manifest picked for the platform, media types, the size gate before any layer is
 * read, the config read (bounded and verified) and matched against the platform; and a layer written into place only
 * once verified. A source supplies only how to get a manifest's bytes and how to open a blob ({@link Blobs}).
 */
final class ImageResolution {
    private static final Logger LOG = LoggerFactory.getLogger(ImageResolution.class);
    /** The distribution spec lets registries refuse manifests over 4 MiB; a larger one is not pulled either. */
    static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
    /** Configs hold the build history; a generous bound still keeps one pull's memory small. */
    static final int MAX_CONFIG_BYTES = 8 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ImageResolution() {}

    /** A manifest or index as read: its media type, its digest (computed from the bytes) and its JSON. */
    record Document(String mediaType, BlobDigest digest, JsonNode json) {}

    /** What a source provides; everything else is decided here. */
    interface Blobs {
        /** The manifest or index {@code reference} (a tag or a digest) names, checked by {@link #document}. */
        Document manifest(ImageReference image, String reference, Optional<BlobDigest> expected)
                throws RegistryPullException, InterruptedException;

        /** The blob's bytes, verified as they are read. */
        VerifiedBlobStream openBlob(ImageReference image, Descriptor blob) throws RegistryPullException, InterruptedException;

        BlobOrigin origin(ImageReference image);
    }

    static PulledImage resolve(ImageReference image, Platform platform, long maxImageBytes, Blobs blobs)
            throws RegistryPullException, InterruptedException {
        Document top = blobs.manifest(image, image.manifestReference(), image.digest());
        Optional<BlobDigest> indexDigest = Optional.empty();
        Document manifest = top;
        if (MediaTypes.isIndex(top.mediaType())) {
            indexDigest = Optional.of(top.digest());
            Descriptor picked = pickPlatform(image, top.json(), platform);
            manifest = blobs.manifest(image, picked.digest().toString(), Optional.of(picked.digest()));
            if (!MediaTypes.isManifest(manifest.mediaType())) {
                throw new RegistryPullException.UnsupportedMediaType("The image " + image + " lists for " + platform
                        + " a " + manifest.mediaType() + " where an image manifest belongs.");
            }
        } else if (!MediaTypes.isManifest(top.mediaType())) {
            throw new RegistryPullException.UnsupportedMediaType("The image " + image + " is a " + top.mediaType()
                    + ", not an OCI or Docker schema 2 image manifest or index.");
        }
        Descriptor configBlob = descriptor(image, manifest.json().path("config"), "its config");
        if (!MediaTypes.isConfig(configBlob.mediaType())) {
            throw new RegistryPullException.UnsupportedMediaType("The image " + image + " is not a container image: its config is a "
                    + configBlob.mediaType() + ".");
        }
        List<ImageLayer> layers = layers(image, manifest.json().path("layers"));
        // Saturating: sizes come from the source, and an overflowing sum must not look small.
        long size = layers.stream().mapToLong(ImageLayer::size).reduce(0, (a, b) -> a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b);
        if (size > maxImageBytes) {
            throw new RegistryPullException.ImageTooLarge(image, size, maxImageBytes);
        }
        ContainerConfig config = config(image, configBlob, blobs);
        if (!platform.matches(config.os(), config.architecture())) {
            throw new RegistryPullException.NoMatchingPlatform("The image " + image + " is built for " + config.platform()
                    + ", and the function needs " + platform + ".");
        }
        return new PulledImage(image, indexDigest, manifest.digest(), manifest.mediaType(), config, layers);
    }

    /**
     * A manifest's bytes as a {@link Document}: the digest checked against {@code expected}, the JSON parsed, and the
     * media type taken from the document itself, else from {@code declaredMediaType} (a Content-Type, a descriptor).
     */
    static Document document(ImageReference image, String reference, byte[] bytes, Optional<BlobDigest> expected,
            String declaredMediaType, BlobOrigin origin) throws RegistryPullException {
        BlobDigest digest = BlobDigest.of(bytes);
        if (expected.isPresent() && !expected.get().equals(digest)) {
            throw new RegistryPullException.BadManifest(capitalized(origin.name()) + (origin.remote() ? " sent" : " holds")
                    + " for " + image + " a manifest with digest " + digest + " where " + expected.get() + " was asked for.", null);
        }
        JsonNode node = parse(image, bytes, "manifest " + reference);
        // The document's own mediaType field wins: the Content-Type is only what the registry thinks it is.
        String mediaType = node.path("mediaType").asText(declaredMediaType);
        int semicolon = mediaType.indexOf(';');
        mediaType = (semicolon < 0 ? mediaType : mediaType.substring(0, semicolon)).strip();
        if (!MediaTypes.isIndex(mediaType) && !MediaTypes.isManifest(mediaType)) {
            throw new RegistryPullException.UnsupportedMediaType("The image " + image + " has a manifest of type \"" + mediaType
                    + "\"; only OCI and Docker schema 2 manifests and indexes can be pulled.");
        }
        return new Document(mediaType, digest, node);
    }

    static RegistryPullException.BadManifest manifestTooLarge(ImageReference image, String reference) {
        return new RegistryPullException.BadManifest("The manifest " + reference + " of image " + image + " is larger than "
                + MAX_MANIFEST_BYTES + " bytes.", null);
    }

    /** See {@link ImageSource#fetchLayer}. */
    static FetchedLayer fetchLayer(ImageReference image, ImageLayer layer, Path dir, Blobs blobs)
            throws RegistryPullException, IOException, InterruptedException {
        Path target = dir.resolve(layer.digest().fileName());
        if (Files.isRegularFile(target) && Files.size(target) == layer.size()) {
            LOG.debug("layer {} of {} is already in {}", layer.digest(), image, dir);
            return new FetchedLayer(layer, target, false);
        }
        Files.createDirectories(dir);
        Path partial = Files.createTempFile(dir, "." + layer.digest().fileName() + ".", ".partial");
        boolean done = false;
        try (VerifiedBlobStream in = blobs.openBlob(image, layer.blob())) {
            try (FileChannel file = FileChannel.open(partial, StandardOpenOption.WRITE);
                    OutputStream out = Channels.newOutputStream(file)) {
                copy(image, in, out, blobs.origin(image));
                in.verifyToEnd();
                file.force(true);
            }
            try {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the layer directory " + dir + " does not support atomic renames", e);
            }
            done = true;
            return new FetchedLayer(layer, target, true);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(partial);
                } catch (IOException e) {
                    LOG.warn("cannot delete the partial layer {}: {}", partial, e.toString());
                }
            }
        }
    }

    private static void copy(ImageReference image, VerifiedBlobStream in, OutputStream out, BlobOrigin origin)
            throws RegistryPullException, IOException {
        byte[] buffer = new byte[64 * 1024];
        while (true) {
            int n;
            try {
                n = in.read(buffer);
            } catch (VerifiedBlobStream.BlobMismatchException e) {
                throw e.getCause();
            } catch (IOException e) {
                throw origin.unreadable(image, e);
            }
            if (n < 0) {
                return;
            }
            out.write(buffer, 0, n);
        }
    }

    private static Descriptor pickPlatform(ImageReference image, JsonNode index, Platform platform) throws RegistryPullException {
        List<String> offered = new ArrayList<>();
        for (JsonNode entry : index.path("manifests")) {
            String os = entry.path("platform").path("os").asText("");
            String architecture = entry.path("platform").path("architecture").asText("");
            if (platform.matches(os, architecture) && MediaTypes.isManifest(entry.path("mediaType").asText(""))) {
                return descriptor(image, entry, "the manifest for " + platform);
            }
            if (!os.isEmpty()) {
                offered.add(os + "/" + architecture);
            }
        }
        throw new RegistryPullException.NoMatchingPlatform("The image " + image + " has no manifest for " + platform
                + (offered.isEmpty() ? "." : "; it offers " + String.join(", ", offered) + "."));
    }

    private static List<ImageLayer> layers(ImageReference image, JsonNode layers) throws RegistryPullException {
        List<ImageLayer> result = new ArrayList<>();
        for (JsonNode entry : layers) {
            int number = result.size() + 1;
            Descriptor blob = descriptor(image, entry, "layer " + number);
            if (MediaTypes.isForeignLayer(blob.mediaType())) {
                throw new RegistryPullException.UnsupportedMediaType("Layer " + number + " of image " + image + " is a foreign "
                        + "(non-distributable) layer, which is not in the registry; such images cannot be pulled.");
            }
            LayerCompression compression = LayerCompression.ofMediaType(blob.mediaType()).orElseThrow(() ->
                    new RegistryPullException.UnsupportedMediaType("Layer " + number + " of image " + image + " is a " + blob.mediaType()
                            + "; layers must be tar, gzip- or zstd-compressed tar."));
            result.add(new ImageLayer(blob, compression));
        }
        if (result.isEmpty()) {
            throw new RegistryPullException.BadManifest("The image " + image + " has no layers.", null);
        }
        return result;
    }

    static Descriptor descriptor(ImageReference image, JsonNode node, String what) throws RegistryPullException.BadManifest {
        try {
            return new Descriptor(node.path("mediaType").asText(""), BlobDigest.parse(node.path("digest").asText("")),
                    node.path("size").asLong(-1));
        } catch (IllegalArgumentException e) {
            throw new RegistryPullException.BadManifest("The manifest of image " + image + " describes " + what
                    + " wrongly: " + e.getMessage() + ".", e);
        }
    }

    private static ContainerConfig config(ImageReference image, Descriptor blob, Blobs blobs)
            throws RegistryPullException, InterruptedException {
        if (blob.size() > MAX_CONFIG_BYTES) {
            throw new RegistryPullException.BadManifest("The config of image " + image + " has " + blob.size()
                    + " bytes, more than the " + MAX_CONFIG_BYTES + " a config may have.", null);
        }
        byte[] bytes;
        try (VerifiedBlobStream in = blobs.openBlob(image, blob)) {
            bytes = in.readAllBytes();
            in.verifyToEnd();
        } catch (VerifiedBlobStream.BlobMismatchException e) {
            throw e.getCause();
        } catch (IOException e) {
            throw blobs.origin(image).unreadable(image, e);
        }
        JsonNode root = parse(image, bytes, "config " + blob.digest());
        JsonNode config = root.path("config");
        return new ContainerConfig(strings(config.path("Entrypoint")), strings(config.path("Cmd")),
                text(config.path("WorkingDir")), strings(config.path("Env")), text(config.path("User")),
                root.path("os").asText(""), root.path("architecture").asText(""));
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    private static Optional<String> text(JsonNode value) {
        return value.isTextual() && !value.asText().isEmpty() ? Optional.of(value.asText()) : Optional.empty();
    }

    static JsonNode parse(ImageReference image, byte[] bytes, String what) throws RegistryPullException.BadManifest {
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new RegistryPullException.BadManifest("The " + what + " of image " + image + " is not a JSON object.", null);
            }
            return node;
        } catch (JacksonException e) {
            throw new RegistryPullException.BadManifest("The " + what + " of image " + image + " is not valid JSON: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("reading JSON from memory", e);
        }
    }

    static String capitalized(String text) {
        return text.isEmpty() ? text : text.substring(0, 1).toUpperCase(Locale.ROOT) + text.substring(1);
    }
}
