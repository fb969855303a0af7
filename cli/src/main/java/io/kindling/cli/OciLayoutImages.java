package io.kindling.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.chunks.oci.registry.BlobDigest;
import io.kindling.chunks.oci.registry.ImageLayer;
import io.kindling.chunks.oci.registry.ImageReference;
import io.kindling.chunks.oci.registry.OciLayoutSource;
import io.kindling.chunks.oci.registry.Platform;
import io.kindling.chunks.oci.registry.PulledImage;
import io.kindling.chunks.oci.registry.RegistrySettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads an image from an OCI layout directory with the same rules the server imports by ({@link OciLayoutSource}):
 * the tag (or the layout's only image), the platform's manifest from an index, the config verified; the layers are
 * checked by the server as they arrive.
 */
final class OciLayoutImages {
    /** The repository name references use while reading a layout; a layout has no repositories of its own. */
    private static final String ANY = "kindling.local/image";

    private OciLayoutImages() {}

    static LocalImage read(Path dir, Optional<String> tag) throws Exception {
        OciLayoutSource layout = new OciLayoutSource(dir, RegistrySettings.LAMBDA_IMAGE_LIMIT);
        ImageReference reference;
        String pushTag;
        if (tag.isPresent()) {
            reference = ImageReference.parse(ANY + ":" + tag.get());
            pushTag = tag.get();
        } else {
            JsonNode only = onlyImage(dir);
            reference = ImageReference.parse(ANY + "@" + only.path("digest").asText());
            String name = only.path("annotations").path(OciLayoutSource.REF_NAME).asText("");
            String bare = name.substring(name.lastIndexOf(':') + 1);
            pushTag = bare.matches("[\\w][\\w.-]{0,127}") ? bare : "latest";
        }
        // The platform the server imports for.
        PulledImage pulled = layout.resolve(reference, Platform.LINUX_AMD64);
        byte[] manifest = Files.readAllBytes(layout.blobFile(pulled.manifestDigest()));
        JsonNode config = new ObjectMapper().readTree(manifest).path("config");
        BlobDigest configDigest = BlobDigest.parse(config.path("digest").asText());
        List<LocalImage.Blob> blobs = new ArrayList<>();
        blobs.add(new LocalImage.Blob("config", configDigest, config.path("size").asLong(),
                LocalImage.Opener.file(layout.blobFile(configDigest))));
        int number = 0;
        for (ImageLayer layer : pulled.layers()) {
            number++;
            blobs.add(new LocalImage.Blob("layer " + number + "/" + pulled.layers().size(), layer.digest(), layer.size(),
                    LocalImage.Opener.file(layout.blobFile(layer.digest()))));
        }
        return new LocalImage(pushTag, manifest, blobs, Optional.empty());
    }

    /** The one entry of {@code index.json}; with several, the tags to choose from. */
    private static JsonNode onlyImage(Path dir) throws IOException {
        Path index = dir.resolve("index.json");
        if (!Files.isRegularFile(index)) {
            throw new IllegalArgumentException(dir + " is not an OCI image layout: it has no index.json");
        }
        JsonNode manifests = new ObjectMapper().readTree(index.toFile()).path("manifests");
        if (manifests.size() == 1) {
            return manifests.get(0);
        }
        List<String> tags = new ArrayList<>();
        manifests.forEach(m -> tags.add(m.path("annotations").path(OciLayoutSource.REF_NAME).asText("(untagged)")));
        throw new IllegalArgumentException("the OCI layout " + dir + " holds " + manifests.size() + " images; name one as "
                + dir + ":TAG" + (tags.isEmpty() ? "" : " (its tags: " + String.join(", ", tags) + ")"));
    }
}
