package io.kindling.chunks.oci;

import io.kindling.chunks.FileTrees;
import io.kindling.chunks.image.ImageBuildException;
import io.kindling.chunks.oci.layers.FlattenLimits;
import io.kindling.chunks.oci.layers.FlattenReport;
import io.kindling.chunks.oci.layers.LayerBlob;
import io.kindling.chunks.oci.layers.LayerFlattener;
import io.kindling.chunks.oci.layers.LayerRejected;
import io.kindling.chunks.oci.registry.BlobDigest;
import io.kindling.chunks.oci.registry.FetchedLayer;
import io.kindling.chunks.oci.registry.ImageLayer;
import io.kindling.chunks.oci.registry.ImageReference;
import io.kindling.chunks.oci.registry.ImageSource;
import io.kindling.chunks.oci.registry.Platform;
import io.kindling.chunks.oci.registry.PulledImage;
import io.kindling.chunks.oci.registry.RegistryPullException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Imports a container image from its {@link ImageSource} (a registry, or an OCI layout on disk): resolves it, then fetches and applies its layers one
 * at a time onto a tree in scratch, deleting each blob as soon as it has been applied, and hands the
 * finished tree to a {@link TreeStore}. Whatever happens, the import's scratch directory is gone when
 * {@link #run} returns.
 *
 * <p>Bounds: memory is the registry client's and the flattener's few buffers, never a layer. Scratch
 * disk is the tree (at most the image's uncompressed size) plus the one compressed layer being
 * applied, plus whatever the store writes (an EROFS image about the tree's size).
 *
 * <p>Each layer is fetched once per import, even if the manifest lists it twice. Across imports, a
 * {@link LayerCache} (bounded, least recently used out) keeps layers up to a quarter of its bound, so
 * a base layer images share is fetched once; larger layers are fetched per import. Either way dedupe
 * of what is stored happens in the chunk store, where identical layers give identical chunks.
 *
 * <p>Blocking; run it on a virtual thread. Imports into distinct scratch directories, or the same one,
 * may run concurrently: each works in its own temporary directory.
 */
public final class ImageImport {
    private final ImageSource registry;
    private final LayerFlattener flattener;
    private final FlattenLimits limits;
    private final LayerCache layers;

    /** Without a layer cache: every import fetches every layer. */
    public ImageImport(ImageSource registry, LayerFlattener flattener, FlattenLimits limits) {
        this(registry, flattener, limits, LayerCache.none());
    }

    /** Layers {@code layers} keeps are fetched into it and taken from it by later imports. */
    public ImageImport(ImageSource registry, LayerFlattener flattener, FlattenLimits limits, LayerCache layers) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.flattener = Objects.requireNonNull(flattener, "flattener");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.layers = Objects.requireNonNull(layers, "layers");
    }

    /**
     * Imports {@code image}'s manifest for {@code platform}, working in a new directory under
     * {@code scratch}, and stores its tree with {@code store}.
     *
     * @throws RegistryPullException if the registry could not give the image or a layer (each names the image)
     * @throws LayerRejected if a layer is unsafe, corrupt or over the limits (the message names the image)
     * @throws ImageBuildException if the store could not build the image
     * @throws IOException if scratch could not be written (the message names the image)
     */
    public <T> ImportedImage<T> run(ImageReference image, Platform platform, Path scratch, TreeStore<T> store)
            throws RegistryPullException, LayerRejected, ImageBuildException, IOException, InterruptedException {
        PulledImage pulled = registry.resolve(image, platform);
        ImageReference resolved = pulled.resolved();
        Path work;
        try {
            work = Files.createTempDirectory(scratch, "import-" + pulled.manifestDigest().hex() + ".");
        } catch (IOException e) {
            throw named(resolved, e);
        }
        ImportedImage<T> imported;
        try {
            imported = importInto(work, pulled, store);
        } catch (Throwable e) {
            try {
                FileTrees.deleteRecursively(work);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        try {
            FileTrees.deleteRecursively(work);
        } catch (IOException e) {
            throw named(resolved, e);
        }
        return imported;
    }

    private <T> ImportedImage<T> importInto(Path work, PulledImage pulled, TreeStore<T> store)
            throws RegistryPullException, LayerRejected, ImageBuildException, IOException, InterruptedException {
        ImageReference resolved = pulled.resolved();
        try {
            FlattenReport flattened;
            Path tree = work.resolve("tree");
            try (LayerFlattener.Flattening flattening = flattener.open(tree, limits)) {
                applyLayers(pulled, work.resolve("layers"), flattening);
                flattened = flattening.finish();
            } catch (LayerRejected e) {
                throw e.forImage(resolved.toString());
            }
            T stored = store.store(pulled, tree, flattened);
            return new ImportedImage<>(resolved, pulled.config(), flattened, stored);
        } catch (IOException e) {
            throw named(resolved, e);
        }
    }

    /**
     * Fetch layer i (unless the layer cache has it), apply it, delete its blob unless the cache keeps it or a later
     * layer is the same blob, next.
     */
    private void applyLayers(PulledImage pulled, Path blobs, LayerFlattener.Flattening flattening)
            throws RegistryPullException, LayerRejected, IOException, InterruptedException {
        List<ImageLayer> layers = pulled.layers();
        Map<BlobDigest, Integer> lastUse = new HashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            lastUse.put(layers.get(i).digest(), i);
        }
        Files.createDirectory(blobs);
        for (int i = 0; i < layers.size(); i++) {
            ImageLayer layer = layers.get(i);
            boolean kept = this.layers.keeps(layer.size());
            try (LayerCache.Use use = kept ? this.layers.use(layer.digest()) : null) {
                // Already there (kept, or listed twice) → not fetched again: fetchLayer skips a verified blob it finds.
                FetchedLayer fetched = registry.fetchLayer(pulled.resolved(), layer, kept ? this.layers.dir() : blobs);
                if (kept) {
                    this.layers.admitted(layer.digest(), layer.size());
                }
                flattening.apply(new LayerBlob(fetched.file(), layer.blob().mediaType()));
                if (!kept && lastUse.get(layer.digest()) == i) {
                    Files.delete(fetched.file());
                }
            }
        }
    }

    /** The same failure, its message naming the image; the cause keeps the original type. */
    private static IOException named(ImageReference image, IOException e) {
        return new IOException("Importing the image " + image + " failed: " + e.getMessage(), e);
    }
}
