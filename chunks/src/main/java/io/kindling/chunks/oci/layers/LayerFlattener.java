package io.kindling.chunks.oci.layers;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import io.kindling.chunks.FileTrees;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Flattens an image's layers, base first, into one directory tree: what the image's root filesystem
 * is, ready for {@link io.kindling.chunks.image.ErofsBuilder} with
 * {@link io.kindling.chunks.image.ErofsBuilder.Ownership#FROM_TREE}.
 *
 * <p>Streaming: each layer is decompressed and applied entry by entry, file contents copied straight
 * to disk; memory holds a few buffers plus one path per entry of the current layer and one per
 * directory (bounded by {@link FlattenLimits#maxEntries()}). Disk: the tree, at most
 * {@link FlattenLimits#maxUncompressedBytes()}.
 *
 * <p>Deterministic: the same layers give the same tree (contents, names, links, modes, owners), so
 * the same EROFS image. Modification times are not copied (the image builder sets every time to 0)
 * nor are extended attributes (it stores none): a file's capabilities ({@code security.capability})
 * are lost, as the zip path loses them.
 *
 * <p>Ownership is applied to the tree with {@code lchown}, so flattening runs as root, as the server
 * does. Runs on the caller's thread; one flatten per target.
 */
public final class LayerFlattener {

    /**
     * Flattens {@code layers} (base first) into {@code target}, which must not exist yet. If anything
     * fails, nothing is left at {@code target}.
     *
     * @throws LayerRejected if a layer is unsafe, corrupt or over the limits
     * @throws IOException if the tree could not be written (disk full, not root)
     */
    public FlattenReport flatten(List<LayerBlob> layers, Path target, FlattenLimits limits)
            throws LayerRejected, IOException {
        for (int i = 0; i < layers.size(); i++) {
            if (!LayerStreams.isLayerMediaType(layers.get(i).mediaType())) {
                throw LayerRejected.unsupportedMediaType(i + 1, layers.get(i).mediaType());
            }
        }
        try (Flattening flattening = open(target, limits)) {
            for (LayerBlob layer : layers) {
                flattening.apply(layer);
            }
            return flattening.finish();
        }
    }

    /**
     * Starts flattening onto {@code target}, which must not exist yet, one layer at a time: the caller
     * can fetch a layer, {@linkplain Flattening#apply apply} it and delete its blob before fetching the
     * next, so only one compressed layer is on disk beside the tree.
     */
    public Flattening open(Path target, FlattenLimits limits) throws IOException {
        if (Files.exists(target, NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null, "the flattened tree's directory must be new");
        }
        Files.createDirectory(target);
        return new Flattening(target, limits);
    }

    /**
     * A tree being flattened, layer by layer, base first. A failed {@link #apply}, or closing before
     * {@link #finish}, deletes the tree; after {@link #finish} the tree is the caller's. One thread.
     */
    public static final class Flattening implements AutoCloseable {
        private final Path target;
        private final FlattenLimits limits;
        private final TreeWriter tree;
        private final LayerStreams.UncompressedBudget budget;
        private int layers;
        private long entries;
        private boolean finished;
        private boolean deleted;

        private Flattening(Path target, FlattenLimits limits) {
            this.target = target;
            this.limits = limits;
            this.tree = new TreeWriter(target);
            this.budget = new LayerStreams.UncompressedBudget(limits.maxUncompressedBytes());
        }

        /**
         * Applies the next layer onto the tree. The blob is only read: the caller may delete it once
         * this returns.
         *
         * @throws LayerRejected if the layer is unsafe, corrupt or takes the image over the limits; the tree is gone
         * @throws IOException if the tree could not be written; the tree is gone
         */
        public void apply(LayerBlob layer) throws LayerRejected, IOException {
            if (finished || deleted) {
                throw new IllegalStateException("the flattening of " + target + " is over");
            }
            layers++;
            try {
                if (!LayerStreams.isLayerMediaType(layer.mediaType())) {
                    throw LayerRejected.unsupportedMediaType(layers, layer.mediaType());
                }
                entries = LayerFlattener.apply(layer, layers, tree, budget, entries, limits);
            } catch (Throwable e) {
                deleteTree(e);
                throw e;
            }
        }

        /** Sets the directories' modes (last, so a read-only directory could still be written into) and reports. */
        public FlattenReport finish() throws IOException {
            if (finished || deleted) {
                throw new IllegalStateException("the flattening of " + target + " is over");
            }
            try {
                FlattenReport report = tree.finish(budget.used());
                finished = true;
                return report;
            } catch (Throwable e) {
                deleteTree(e);
                throw e;
            }
        }

        /** Deletes the tree unless {@link #finish} returned. */
        @Override
        public void close() throws IOException {
            if (!finished && !deleted) {
                deleted = true;
                FileTrees.deleteRecursively(target);
            }
        }

        private void deleteTree(Throwable failure) {
            deleted = true;
            try {
                FileTrees.deleteRecursively(target);
            } catch (IOException | RuntimeException cleanup) {
                failure.addSuppressed(cleanup);
            }
        }
    }

    /** Applies one layer; returns the entries counted so far over all layers. */
    private static long apply(LayerBlob blob, int number, TreeWriter tree, LayerStreams.UncompressedBudget budget,
            long entriesBefore, FlattenLimits limits) throws LayerRejected, IOException {
        long entries = entriesBefore;
        tree.beginLayer(number);
        try (InputStream layer = LayerStreams.open(blob.file(), budget);
                TarArchiveInputStream tar = new MetadataBoundedTarInputStream(layer)) {
            TarArchiveEntry entry;
            LayerRead content = new LayerRead(tar);
            while ((entry = nextEntry(tar, number, budget)) != null) {
                if (++entries > limits.maxEntries()) {
                    throw LayerRejected.tooManyEntries(limits.maxEntries());
                }
                try {
                    tree.apply(entry, content);
                } catch (LayerRead.Failed e) {
                    if (e.getCause() instanceof LayerStreams.BudgetExceeded) {
                        throw LayerRejected.tooLarge(budget.limit());
                    }
                    throw LayerRejected.corrupt(number, "entry " + entry.getName() + ": " + e.getCause().getMessage(), e);
                }
            }
            drain(layer, number, budget);
        }
        return entries;
    }

    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar, int number,
            LayerStreams.UncompressedBudget budget) throws LayerRejected {
        try {
            return tar.getNextEntry();
        } catch (LayerStreams.BudgetExceeded e) {
            throw LayerRejected.tooLarge(budget.limit());
        } catch (MetadataBoundedTarInputStream.MetadataTooLarge e) {
            throw LayerRejected.unsupportedEntry(number, "(tar metadata)", e.getMessage());
        } catch (IOException | IllegalArgumentException e) {
            // commons-compress reports a bad header, a bad checksum or broken compression this way.
            throw LayerRejected.corrupt(number, String.valueOf(e.getMessage()), e);
        }
    }

    /**
     * Reads to the end of the compressed stream, so a gzip or zstd layer's checksum is verified and
     * bytes after the tar's end are charged too (the blob's digest was checked by the registry client;
     * this catches a blob that decompresses wrong).
     */
    private static void drain(InputStream layer, int number, LayerStreams.UncompressedBudget budget)
            throws LayerRejected {
        try {
            layer.transferTo(OutputStream.nullOutputStream());
        } catch (LayerStreams.BudgetExceeded e) {
            throw LayerRejected.tooLarge(budget.limit());
        } catch (IOException e) {
            throw LayerRejected.corrupt(number, String.valueOf(e.getMessage()), e);
        }
    }

    /**
     * The tar stream as the tree writer reads an entry's contents: a failure to read it (truncated,
     * bad compression, over the budget) is told apart from a failure to write the tree (disk full).
     */
    private static final class LayerRead extends FilterInputStream {
        static final class Failed extends IOException {
            private static final long serialVersionUID = 1L;

            Failed(IOException cause) {
                super(cause.getMessage(), cause);
            }
        }

        LayerRead(InputStream tar) {
            super(tar);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw new Failed(e);
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            try {
                return super.read(buffer, offset, length);
            } catch (IOException e) {
                throw new Failed(e);
            }
        }

        @Override
        public void close() {
            // The tar stream is the flattener's to close.
        }
    }
}
