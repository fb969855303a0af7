package io.kindling.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kindling.chunks.oci.registry.BlobDigest;
import io.kindling.chunks.oci.registry.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * Reads a {@code docker save} archive as an OCI image: the archive's {@code manifest.json}
 * ({@code [{"Config":"<hex>.json","RepoTags":["app:v1"],"Layers":["<dir>/layer.tar",…]}]}) names a config and layer
 * tars, which become an OCI manifest's config (as it is) and layers ({@code application/vnd.oci.image.layer.v1.tar},
 * or the gzip/zstd type when a layer is compressed). Digests are computed by streaming each member once here; the
 * upload streams it again from the archive, which stays open (random access) until the image is closed. Both the
 * classic layout and Docker 25's (an OCI layout inside, members under {@code blobs/sha256/}) have a manifest.json.
 */
final class DockerArchives {
    private static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
    private static final int MAX_LINKS = 16;

    private DockerArchives() {}

    static LocalImage read(Path archive, Optional<String> repoTag) throws Exception {
        if (!archive.getFileName().toString().endsWith(".tar")) {
            throw new IllegalArgumentException(archive + " is neither an OCI layout directory nor a docker save archive"
                    + " (.tar)");
        }
        TarFile tar = new TarFile(archive.toFile());
        try {
            Map<String, TarArchiveEntry> entries = new HashMap<>();
            for (TarArchiveEntry entry : tar.getEntries()) {
                entries.put(normalized(entry.getName()), entry);
            }
            JsonNode image = pick(archive, readManifest(archive, tar, entries), repoTag);
            ObjectMapper json = new ObjectMapper();
            ObjectNode manifest = json.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_MANIFEST);
            List<LocalImage.Blob> blobs = new ArrayList<>();
            TarArchiveEntry config = member(archive, entries, image.path("Config").asText(""));
            BlobDigest configDigest = digest(tar, config);
            blobs.add(new LocalImage.Blob("config", configDigest, config.getSize(), () -> tar.getInputStream(config)));
            manifest.putObject("config").put("mediaType", MediaTypes.OCI_CONFIG).put("digest", configDigest.toString())
                    .put("size", config.getSize());
            var layers = manifest.putArray("layers");
            JsonNode names = image.path("Layers");
            for (int i = 0; i < names.size(); i++) {
                TarArchiveEntry layer = member(archive, entries, names.get(i).asText(""));
                BlobDigest digest = digest(tar, layer);
                blobs.add(new LocalImage.Blob("layer " + (i + 1) + "/" + names.size(), digest, layer.getSize(),
                        () -> tar.getInputStream(layer)));
                layers.addObject().put("mediaType", mediaType(tar, layer)).put("digest", digest.toString())
                        .put("size", layer.getSize());
            }
            String tag = "latest";
            if (image.path("RepoTags").size() > 0) {
                String first = image.path("RepoTags").get(0).asText("");
                tag = first.substring(first.lastIndexOf(':') + 1);
            }
            return new LocalImage(tag, json.writeValueAsBytes(manifest), blobs, Optional.of(tar));
        } catch (Exception | Error e) {
            tar.close();
            throw e;
        }
    }

    private static JsonNode readManifest(Path archive, TarFile tar, Map<String, TarArchiveEntry> entries)
            throws IOException {
        TarArchiveEntry entry = entries.get("manifest.json");
        if (entry == null) {
            throw new IllegalArgumentException(archive + " is not a docker save archive: it has no manifest.json");
        }
        try (InputStream in = tar.getInputStream(entry)) {
            byte[] bytes = in.readNBytes(MAX_MANIFEST_BYTES + 1);
            if (bytes.length > MAX_MANIFEST_BYTES) {
                throw new IllegalArgumentException("the manifest.json of " + archive + " is over " + MAX_MANIFEST_BYTES
                        + " bytes");
            }
            JsonNode node = new ObjectMapper().readTree(bytes);
            if (node == null || !node.isArray() || node.isEmpty()) {
                throw new IllegalArgumentException("the manifest.json of " + archive + " lists no image");
            }
            return node;
        }
    }

    /** The archive's only image, or the one whose RepoTags has {@code repoTag} (as {@code repo:tag} or {@code tag}). */
    private static JsonNode pick(Path archive, JsonNode images, Optional<String> repoTag) {
        List<String> offered = new ArrayList<>();
        for (JsonNode image : images) {
            for (JsonNode tag : image.path("RepoTags")) {
                String name = tag.asText("");
                if (repoTag.isPresent() && (name.equals(repoTag.get()) || name.endsWith(":" + repoTag.get()))) {
                    return image;
                }
                offered.add(name);
            }
        }
        if (repoTag.isEmpty() && images.size() == 1) {
            return images.get(0);
        }
        throw new IllegalArgumentException(archive + (repoTag.isPresent() ? " has no image tagged " + repoTag.get()
                : " holds " + images.size() + " images; name one as " + archive + ":TAG") + " (its tags: "
                + String.join(", ", offered) + ")");
    }

    /** A member by the name manifest.json gives it, following symbolic links (older docker links repeated layers). */
    private static TarArchiveEntry member(Path archive, Map<String, TarArchiveEntry> entries, String name) {
        String current = normalized(name);
        for (int hops = 0; hops < MAX_LINKS; hops++) {
            TarArchiveEntry entry = entries.get(current);
            if (entry == null) {
                throw new IllegalArgumentException("the docker save archive " + archive + " names " + name
                        + " in its manifest.json but has no such member");
            }
            if (entry.isFile()) {
                return entry;
            }
            if (!entry.isSymbolicLink()) {
                throw new IllegalArgumentException("the member " + name + " of " + archive + " is not a file");
            }
            int slash = current.lastIndexOf('/');
            current = normalized((slash < 0 ? "" : current.substring(0, slash + 1)) + entry.getLinkName());
        }
        throw new IllegalArgumentException("the member " + name + " of " + archive + " is a loop of links");
    }

    /** {@code ./a/../b/c} as {@code b/c}: how manifest.json and the tar may spell the same member differently. */
    private static String normalized(String name) {
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.removeLast();
                }
                continue;
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    private static BlobDigest digest(TarFile tar, TarArchiveEntry entry) throws IOException {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = tar.getInputStream(entry)) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                sha256.update(buffer, 0, n);
            }
        }
        return new BlobDigest(HexFormat.of().formatHex(sha256.digest()));
    }

    /** docker save writes plain tars; a compressed member (some exporters) keeps its compression's type. */
    private static String mediaType(TarFile tar, TarArchiveEntry layer) throws IOException {
        try (InputStream in = tar.getInputStream(layer)) {
            byte[] magic = in.readNBytes(4);
            if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
                return MediaTypes.OCI_LAYER_GZIP;
            }
            if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                    && (magic[3] & 0xff) == 0xfd) {
                return MediaTypes.OCI_LAYER_ZSTD;
            }
            return MediaTypes.OCI_LAYER;
        }
    }
}
