package io.kindling.chunks.oci.registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Images in an OCI image layout directory ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/<hex>}), as
 * {@code skopeo copy … oci:DIR:TAG}, {@code umoci} and BuildKit's OCI exporter write it, and as Kindling's own local
 * image store keeps pushed images. Read with the same rules as a registry ({@link ImageResolution}): every manifest,
 * config and layer is checked against its digest and size while it is read, platforms are picked from an index, and
 * the size gate applies before a layer is read.
 *
 * <p>A tag is found in {@code index.json} by the {@code org.opencontainers.image.ref.name} annotation: first one that
 * reads {@code repository:tag} (how the local store names what it holds, several repositories in one layout), then
 * one that reads just {@code tag} (how skopeo and umoci name it). A digest is looked up among the blobs directly. The
 * reference's registry is not looked at: the layout is the registry.
 *
 * <p>Thread-safe and stateless: each call reads the files again, so a writer that replaces {@code index.json} by an
 * atomic rename and adds blobs the same way is seen consistently.
 */
public final class OciLayoutSource implements ImageSource {
    /** The annotation that names a manifest in {@code index.json}. */
    public static final String REF_NAME = "org.opencontainers.image.ref.name";

    private final Path dir;
    private final long maxImageBytes;
    private final BlobOrigin origin;
    private final ImageResolution.Blobs blobs = new ImageResolution.Blobs() {
        @Override
        public ImageResolution.Document manifest(ImageReference image, String reference, Optional<BlobDigest> expected)
                throws RegistryPullException {
            return OciLayoutSource.this.manifest(image, reference, expected);
        }

        @Override
        public VerifiedBlobStream openBlob(ImageReference image, Descriptor blob) throws RegistryPullException {
            return OciLayoutSource.this.openBlob(image, blob);
        }

        @Override
        public BlobOrigin origin(ImageReference image) {
            return origin;
        }
    };

    /**
     * @param maxImageBytes the largest sum of layer sizes resolved, as {@link RegistrySettings#maxImageBytes()}
     */
    public OciLayoutSource(Path dir, long maxImageBytes) {
        this.dir = dir;
        this.maxImageBytes = maxImageBytes;
        this.origin = BlobOrigin.layout(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Where the layout keeps {@code digest}'s bytes. */
    public Path blobFile(BlobDigest digest) {
        return dir.resolve("blobs").resolve("sha256").resolve(digest.hex());
    }

    @Override
    public PulledImage resolve(ImageReference image, Platform platform) throws RegistryPullException, InterruptedException {
        return ImageResolution.resolve(image, platform, maxImageBytes, blobs);
    }

    @Override
    public FetchedLayer fetchLayer(ImageReference image, ImageLayer layer, Path into)
            throws RegistryPullException, IOException, InterruptedException {
        return ImageResolution.fetchLayer(image, layer, into, blobs);
    }

    private ImageResolution.Document manifest(ImageReference image, String reference, Optional<BlobDigest> expected)
            throws RegistryPullException {
        if (expected.isPresent()) {
            Optional<byte[]> bytes = readManifestBlob(image, reference, expected.get());
            if (bytes.isEmpty()) {
                throw new RegistryPullException.NotFound(reference.equals(image.manifestReference())
                        ? "The image " + image + " does not exist: " + origin.name() + " has no manifest " + reference + "."
                        : "The image " + image + " lists the manifest " + reference + ", which " + origin.name()
                                + " does not have.");
            }
            return ImageResolution.document(image, reference, bytes.get(), expected, "", origin);
        }
        Descriptor tagged = tagged(image, reference);
        byte[] bytes = readManifestBlob(image, reference, tagged.digest()).orElseThrow(() ->
                new RegistryPullException.NotFound("The image " + image + " is tagged in " + origin.name() + " as "
                        + tagged.digest() + ", a blob the layout does not have."));
        return ImageResolution.document(image, reference, bytes, Optional.of(tagged.digest()), tagged.mediaType(), origin);
    }

    /** The descriptor {@code index.json} names {@code repository:tag}, else {@code tag}. */
    private Descriptor tagged(ImageReference image, String tag) throws RegistryPullException {
        JsonNode index = index(image);
        String qualified = image.repository() + ":" + tag;
        JsonNode bare = null;
        for (JsonNode entry : index.path("manifests")) {
            String name = entry.path("annotations").path(REF_NAME).asText("");
            if (name.equals(qualified)) {
                return ImageResolution.descriptor(image, entry, "tag " + tag);
            }
            if (name.equals(tag) && bare == null) {
                bare = entry;
            }
        }
        if (bare != null) {
            return ImageResolution.descriptor(image, bare, "tag " + tag);
        }
        throw new RegistryPullException.NotFound("The image " + image + " does not exist: " + origin.name()
                + " has no tag " + tag + " (index.json names none " + REF_NAME + " " + qualified + " or " + tag + ").");
    }

    private JsonNode index(ImageReference image) throws RegistryPullException {
        if (!Files.isRegularFile(dir.resolve("oci-layout"))) {
            throw new RegistryPullException.NotFound("The image " + image + " cannot be read: " + dir
                    + " is not an OCI image layout (it has no oci-layout file).");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(dir.resolve("index.json"))) {
            bytes = in.readNBytes(ImageResolution.MAX_MANIFEST_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new RegistryPullException.NotFound("The image " + image + " does not exist: " + origin.name()
                    + " has no index.json.");
        } catch (IOException e) {
            throw origin.unreadable(image, e);
        }
        if (bytes.length > ImageResolution.MAX_MANIFEST_BYTES) {
            throw new RegistryPullException.BadManifest("The index.json of " + origin.name() + " is larger than "
                    + ImageResolution.MAX_MANIFEST_BYTES + " bytes.", null);
        }
        return ImageResolution.parse(image, bytes, "index.json of " + origin.name());
    }

    /** A manifest blob, bounded; empty if the layout does not have it. Its digest is checked by the caller. */
    private Optional<byte[]> readManifestBlob(ImageReference image, String reference, BlobDigest digest)
            throws RegistryPullException {
        try (InputStream in = Files.newInputStream(blobFile(digest))) {
            byte[] bytes = in.readNBytes(ImageResolution.MAX_MANIFEST_BYTES + 1);
            if (bytes.length > ImageResolution.MAX_MANIFEST_BYTES) {
                throw ImageResolution.manifestTooLarge(image, reference);
            }
            return Optional.of(bytes);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw origin.unreadable(image, e);
        }
    }

    private VerifiedBlobStream openBlob(ImageReference image, Descriptor blob) throws RegistryPullException {
        try {
            return new VerifiedBlobStream(image, blob, Files.newInputStream(blobFile(blob.digest())), origin);
        } catch (NoSuchFileException e) {
            throw new RegistryPullException.NotFound(ImageResolution.capitalized(origin.name()) + " does not have the blob "
                    + blob.digest() + " that image " + image + " needs.");
        } catch (IOException e) {
            throw origin.unreadable(image, e);
        }
    }
}
