package io.kindling.server;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kindling.chunks.FileTrees;
import io.kindling.chunks.oci.registry.BlobDigest;
import io.kindling.chunks.oci.registry.ImageReference;
import io.kindling.chunks.oci.registry.MediaTypes;
import io.kindling.chunks.oci.registry.OciLayoutSource;
import io.kindling.chunks.oci.registry.RegistrySettings;
import io.kindling.frontend.LocalImages;
import io.kindling.wire.LocalImageBlob;
import io.kindling.wire.LocalImageManifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's local image store, {@code <data>/images/}: an OCI image layout (so {@link OciLayoutSource} reads it like
 * any other) that {@code kindling deploy NAME --image ./dir|app.tar} pushes into, blob by blob, then a manifest.
 *
 * <p>Durability: every blob and manifest appears by an atomic rename of a fsynced temporary file in the same
 * directory, after its size and digest were checked while it streamed; the directory is fsynced after. {@code
 * index.json} is replaced the same way when a manifest is tagged. After a kill -9 the store holds whole blobs or
 * none, and an {@code index.json} from before or after a tag; temporaries left behind are deleted at open.
 *
 * <p>Bounds: one blob at most {@link #MAX_BLOB_BYTES} (Lambda's image limit), streamed with one buffer; a manifest is
 * at most 4 MiB (the frontend's limit for that operation). Nothing is deleted: blobs and tags stay until the data
 * directory goes (garbage collection of unused local images is not done yet).
 *
 * <p>Thread-safe: blob uploads run concurrently (each to its own temporary file; the same blob twice ends as one);
 * tagging is serialized, since it rewrites {@code index.json}.
 */
final class LocalImageStore implements LocalImages {
    private static final Logger log = LoggerFactory.getLogger(LocalImageStore.class);
    static final long MAX_BLOB_BYTES = RegistrySettings.LAMBDA_IMAGE_LIMIT;
    private static final String TEMP_SUFFIX = ".partial";
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private final ObjectMapper json = new ObjectMapper();
    private final Path root;
    private final Path blobs;
    private final OciLayoutSource source;
    private final Object tagging = new Object();

    private LocalImageStore(Path root) {
        this.root = root;
        this.blobs = root.resolve("blobs").resolve("sha256");
        this.source = new OciLayoutSource(root, RegistrySettings.LAMBDA_IMAGE_LIMIT);
    }

    /** Opens (creating it if needed) the store under {@code dataDir}, deleting what interrupted uploads left. */
    static LocalImageStore open(Path dataDir) throws IOException {
        Path root = dataDir.resolve("images");
        LocalImageStore store = new LocalImageStore(root);
        if (!Files.isDirectory(store.blobs)) {
            Files.createDirectories(root, PRIVATE_DIR);
            Files.createDirectories(root.resolve("blobs"), PRIVATE_DIR);
            Files.createDirectories(store.blobs, PRIVATE_DIR);
        }
        for (Path dir : List.of(root, store.blobs)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path leftover : files.filter(f -> f.getFileName().toString().endsWith(TEMP_SUFFIX)).toList()) {
                    Files.deleteIfExists(leftover);
                }
            }
        }
        if (!Files.exists(root.resolve("oci-layout"))) {
            store.replace(root.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes());
        }
        if (!Files.exists(root.resolve("index.json"))) {
            store.replace(root.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[]}".getBytes());
        }
        return store;
    }

    /** What reads the store's images for import: the store is an OCI layout. */
    OciLayoutSource source() {
        return source;
    }

    Path root() {
        return root;
    }

    @Override
    public boolean hasBlob(String digest) throws Rejected {
        return Files.isRegularFile(blobFile(parse(digest)));
    }

    @Override
    public LocalImageBlob putBlob(String digest, long size, InputStream body) throws Rejected, IOException {
        BlobDigest expected = parse(digest);
        if (size > MAX_BLOB_BYTES) {
            throw new Rejected(Rejected.Why.TOO_LARGE, "The blob " + digest + " has " + size + " bytes, more than the "
                    + MAX_BLOB_BYTES + " a blob of the local image store may have (Lambda's image size limit).");
        }
        Path temp = blobs.resolve("." + expected.hex() + "." + UUID.randomUUID() + TEMP_SUFFIX);
        boolean kept = false;
        try {
            MessageDigest hashing = sha256();
            long received = 0;
            try (FileChannel file = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PRIVATE_FILE); OutputStream out = Channels.newOutputStream(file)) {
                byte[] buffer = new byte[64 * 1024];
                // One byte past the declared size is enough to know the body is longer than it said.
                while (received <= size) {
                    int n;
                    try {
                        n = body.read(buffer, 0, (int) Math.min(buffer.length, size + 1 - received));
                    } catch (IOException e) {
                        throw new UploadBroken("The upload of blob " + digest + " broke off after " + received + " of "
                                + size + " bytes (" + e.getMessage() + "); nothing was kept.", e);
                    }
                    if (n < 0) {
                        break;
                    }
                    hashing.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                    received += n;
                }
                if (received != size) {
                    throw new Rejected(Rejected.Why.INVALID, "The blob " + digest + " was sent with Content-Length "
                            + size + " but " + (received > size ? "more" : received + "") + " bytes came.");
                }
                BlobDigest actual = new BlobDigest(HexFormat.of().formatHex(hashing.digest()));
                if (!actual.equals(expected)) {
                    throw new Rejected(Rejected.Why.INVALID, "The blob's bytes have the digest " + actual + ", not the "
                            + expected + " it was sent as; it was not stored.");
                }
                file.force(true);
            }
            Files.move(temp, blobFile(expected), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            kept = true;
            FileTrees.fsyncDirectory(blobs);
            log.info("local image store: blob {} ({} bytes) stored", expected, size);
            return new LocalImageBlob(expected.toString(), size);
        } finally {
            if (!kept) {
                Files.deleteIfExists(temp);
            }
        }
    }

    @Override
    public LocalImageManifest putManifest(String repository, String tag, byte[] manifest) throws Rejected, IOException {
        ImageReference named;
        try {
            named = new ImageReference(REGISTRY, repository, Optional.of(tag), Optional.empty());
        } catch (IllegalArgumentException e) {
            throw new Rejected(Rejected.Why.INVALID, "Cannot tag an image " + repository + ":" + tag + ": "
                    + e.getMessage() + ".");
        }
        JsonNode node;
        try {
            node = json.readTree(manifest);
        } catch (JacksonException e) {
            throw new Rejected(Rejected.Why.INVALID, "The manifest is not valid JSON: " + e.getOriginalMessage());
        }
        String mediaType = node == null ? "" : node.path("mediaType").asText("");
        if (!mediaType.equals(MediaTypes.OCI_MANIFEST) && !mediaType.equals(MediaTypes.DOCKER_MANIFEST)) {
            throw new Rejected(Rejected.Why.INVALID, "The manifest's mediaType is \"" + mediaType + "\"; the local image "
                    + "store takes one platform's image manifest (" + MediaTypes.OCI_MANIFEST + " or "
                    + MediaTypes.DOCKER_MANIFEST + ").");
        }
        List<JsonNode> namedBlobs = new ArrayList<>();
        namedBlobs.add(node.path("config"));
        node.path("layers").forEach(namedBlobs::add);
        List<String> missing = new ArrayList<>();
        for (JsonNode descriptor : namedBlobs) {
            BlobDigest digest;
            try {
                digest = BlobDigest.parse(descriptor.path("digest").asText(""));
            } catch (IllegalArgumentException e) {
                throw new Rejected(Rejected.Why.INVALID, "The manifest names a blob wrongly: " + e.getMessage() + ".");
            }
            Path file = blobFile(digest);
            if (!Files.isRegularFile(file)) {
                missing.add(digest.toString());
            } else if (Files.size(file) != descriptor.path("size").asLong(-1)) {
                throw new Rejected(Rejected.Why.INVALID, "The manifest gives the blob " + digest + " the size "
                        + descriptor.path("size").asText() + ", but it has " + Files.size(file) + " bytes.");
            }
        }
        if (!missing.isEmpty()) {
            throw new Rejected(Rejected.Why.INVALID, "The manifest names blobs the local image store does not have: "
                    + String.join(", ", missing) + "; upload them first (PUT /kindling/2026-11-27/images/blobs/{digest}).");
        }
        BlobDigest digest = BlobDigest.of(manifest);
        Path file = blobFile(digest);
        if (!Files.isRegularFile(file)) {
            replace(file, manifest);
        }
        tag(named, mediaType, digest, manifest.length);
        String imageUri = named.pinned(digest).toString();
        log.info("local image store: {}:{} is {}", repository, tag, imageUri);
        return new LocalImageManifest(digest.toString(), imageUri);
    }

    /** Points {@code repository:tag} in index.json at the manifest, replacing the file atomically. */
    private void tag(ImageReference named, String mediaType, BlobDigest digest, long size) throws IOException {
        String name = named.repository() + ":" + named.tag().orElseThrow();
        synchronized (tagging) {
            JsonNode index = json.readTree(root.resolve("index.json").toFile());
            ObjectNode updated = json.createObjectNode().put("schemaVersion", 2);
            ArrayNode manifests = updated.putArray("manifests");
            for (JsonNode entry : index.path("manifests")) {
                if (!entry.path("annotations").path(OciLayoutSource.REF_NAME).asText("").equals(name)) {
                    manifests.add(entry);
                }
            }
            ObjectNode entry = manifests.addObject().put("mediaType", mediaType).put("digest", digest.toString())
                    .put("size", size);
            entry.putObject("annotations").put(OciLayoutSource.REF_NAME, name);
            replace(root.resolve("index.json"), json.writeValueAsBytes(updated));
        }
    }

    /** Temporary file in the same directory, fsync, rename over {@code target}, fsync the directory. */
    private void replace(Path target, byte[] bytes) throws IOException {
        Path dir = target.getParent();
        Path temp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + TEMP_SUFFIX);
        try {
            try (FileChannel channel = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), PRIVATE_FILE)) {
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            FileTrees.fsyncDirectory(dir);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private Path blobFile(BlobDigest digest) {
        return source.blobFile(digest);
    }

    private static BlobDigest parse(String digest) throws Rejected {
        try {
            return BlobDigest.parse(digest == null ? "" : digest);
        } catch (IllegalArgumentException e) {
            throw new Rejected(Rejected.Why.INVALID, "Not a blob digest (sha256:<64 lowercase hex>): " + digest + ".");
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
