package io.kindling.server;

import io.kindling.chunks.image.ErofsBuilder;
import io.kindling.chunks.image.ImageBuildException;
import io.kindling.chunks.oci.ImageImport;
import io.kindling.chunks.oci.LayerCache;
import io.kindling.chunks.oci.ImportedImage;
import io.kindling.chunks.oci.layers.FlattenLimits;
import io.kindling.chunks.oci.layers.LayerFlattener;
import io.kindling.chunks.oci.layers.LayerRejected;
import io.kindling.chunks.oci.registry.ContainerConfig;
import io.kindling.chunks.oci.registry.ImageReference;
import io.kindling.chunks.oci.registry.ImageSource;
import io.kindling.chunks.oci.registry.Platform;
import io.kindling.chunks.oci.registry.PulledImage;
import io.kindling.chunks.oci.registry.RegistryClient;
import io.kindling.chunks.oci.registry.RegistryPullException;
import io.kindling.chunks.oci.registry.RegistrySettings;
import io.kindling.frontend.ContainerImages;
import io.kindling.frontend.LocalImages;
import io.kindling.registry.ContainerImage;
import io.kindling.registry.Registry;
import java.io.IOException;

/**
 * Container images from OCI registries, and from the node's own {@link LocalImageStore} for references to the registry
 * {@code kindling.local} (a Kindling extension: images pushed by {@code kindling deploy --image ./dir|app.tar}):
 * resolved when a function's code is set to one ({@link #resolve}, on the request's thread), imported into the chunk
 * store while its versions are Pending ({@link #importInto}, on the code activation's threads). One registry client,
 * so both share its connections and bearer tokens.
 */
final class ContainerImageSource implements ContainerImages, AutoCloseable {
    private final RegistryClient client;
    private final LocalImageStore local;
    private final ImageImport imports;
    private final ImageImport localImports;

    /**
     * @param layers registry layers kept between imports, so a shared base is pulled once (the local store's blobs
     *     are on disk already and are not copied into it)
     */
    ContainerImageSource(RegistrySettings settings, LocalImageStore local, LayerCache layers) {
        this.client = new RegistryClient(settings);
        this.local = local;
        this.imports = new ImageImport(client, new LayerFlattener(), FlattenLimits.lambdaDefaults(), layers);
        this.localImports = new ImageImport(local.source(), new LayerFlattener(), FlattenLimits.lambdaDefaults());
    }

    /** The local store for {@code kindling.local/…}, else the registry the reference names. */
    private ImageSource source(ImageReference reference) {
        return isLocal(reference) ? local.source() : client;
    }

    private static boolean isLocal(ImageReference reference) {
        return reference.registry().equals(LocalImages.REGISTRY);
    }

    @Override
    public Registry.ImageCode resolve(String imageUri, String architecture) throws ImageUnavailable,
            InterruptedException {
        ImageReference reference = reference(imageUri);
        PulledImage pulled;
        try {
            pulled = source(reference).resolve(reference, platform(architecture));
        } catch (RegistryPullException e) {
            throw new ImageUnavailable(e.getMessage(), e);
        }
        ContainerConfig config = pulled.config();
        return new Registry.ImageCode(pulled.manifestDigest().hex(), pulled.compressedSize(),
                new ContainerImage(imageUri, pulled.resolved().toString(), new ContainerImage.Defaults(
                        config.entrypoint(), config.cmd(), config.workingDir().orElse(null), config.env())));
    }

    /**
     * Pulls {@code image} by its resolved (digest-pinned) reference, flattens its layers in {@code store}'s scratch and
     * stores the tree as the code image {@code manifestSha256Hex}, owners as the layers give them.
     */
    ImportedImage<CodeImageStore.StoredImage> importInto(CodeImageStore store, ContainerImage image,
                                                         String manifestSha256Hex)
            throws RegistryPullException, LayerRejected, ImageBuildException, IOException, InterruptedException {
        ImageReference pinned = ImageReference.parse(image.resolvedImageUri());
        ImageImport importer = isLocal(pinned) ? localImports : imports;
        return importer.run(pinned, Platform.LINUX_AMD64, store.scratch(), (pulled, tree, flattened) -> {
            if (!pulled.manifestDigest().hex().equals(manifestSha256Hex)) {
                // The reference is pinned by digest, so the registry cannot give other content; this guards the key.
                throw new IOException("the registry gave manifest " + pulled.manifestDigest() + " for "
                        + image.resolvedImageUri());
            }
            return store.store(manifestSha256Hex, tree, ErofsBuilder.Ownership.FROM_TREE);
        });
    }

    private static ImageReference reference(String imageUri) throws ImageUnavailable {
        try {
            return ImageReference.parse(imageUri);
        } catch (IllegalArgumentException e) {
            throw new ImageUnavailable("ImageUri " + imageUri + " is not an image reference (registry/repository:tag or"
                    + " registry/repository@sha256:digest): " + e.getMessage(), e);
        }
    }

    /** Lambda's architecture names to OCI's; the frontend accepts only those two. */
    private static Platform platform(String architecture) {
        return "arm64".equals(architecture) ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64;
    }

    @Override
    public void close() {
        client.close();
    }
}
