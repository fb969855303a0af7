package io.kindling.server;

import io.kindling.chunks.FileTrees;
import io.kindling.chunks.image.ErofsExtractor;
import io.kindling.chunks.image.ImageExtractException;
import io.kindling.chunks.image.ImagePart;
import io.kindling.chunks.image.ImageParts;
import io.kindling.server.CodeImages.CodeUnavailable;
import io.kindling.worker.images.ImageId;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Code images materialized from their chunks (issue 5, item 6), for hosts that cannot mount images or when
 * configuration turns mounts off: each image's two parts are read through the chunk store's read path (every byte
 * verified against the authenticated manifest) and extracted by {@link ErofsExtractor} into
 * {@code <data>/chunks/materialized/<sha256>}, once per worker, a plain directory every sandbox of the version binds.
 * Only the chunk store is needed, not the package's zip.
 *
 * <p>Unlike a mount, the whole image is read before anything runs: a missing or corrupt chunk, data or metadata,
 * fails the materialization and so the invoke, and no tree is left (the extractor renames a complete tree into
 * place). A tree at its final name is therefore always whole; a removal renames it away before deleting it.
 *
 * <p>Trees do not outlive the process: {@link #start} deletes whatever the directory holds (a crashed run's trees and
 * temporaries), {@link #close} deletes every tree.
 */
final class MaterializedCodeImages implements CodeImageStrategy {
    private static final Logger log = LoggerFactory.getLogger(MaterializedCodeImages.class);
    /**
     * Extractions at once: each holds one copy slice in memory and runs one fsck.erofs, so memory stays bounded however
     * many cold starts of different images arrive together; more at once would only compete for the disk.
     */
    private static final int AT_ONCE = 2;
    private static final String REMOVING_SUFFIX = ".removing";

    private final Path directory;
    private final ErofsExtractor extractor;
    private final Semaphore extracting = new Semaphore(AT_ONCE, true);

    private MaterializedCodeImages(Path directory, ErofsExtractor extractor) {
        this.directory = directory;
        this.extractor = extractor;
    }

    /**
     * Materializes into {@code directory} (created if missing; the worker makes it reachable by the sandbox user
     * beforehand), deleting what it holds first.
     */
    static MaterializedCodeImages start(Path directory) throws IOException {
        Files.createDirectories(directory);
        int removed = deleteContents(directory);
        if (removed > 0) {
            log.info("code images: removed {} materialized trees or temporaries left by the previous run", removed);
        }
        return new MaterializedCodeImages(directory, new ErofsExtractor());
    }

    @Override
    public Path root(ImageId id) {
        return directory.resolve(id.value());
    }

    @Override
    public CodeImageTree make(ImageId id, ImageParts parts) throws CodeUnavailable {
        Path tree = root(id);
        try {
            extracting.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CodeUnavailable("interrupted while waiting to materialize code image " + id, e);
        }
        long started = System.nanoTime();
        try {
            // Only a removal that failed half-way leaves a tree here: no entry uses it, so it goes.
            discard(tree);
            extractor.extract(parts, tree);
        } catch (ImageExtractException.PartUnreadable e) {
            log.error("code image {} could not be materialized: {}", id, e.getMessage());
            throw new CodeUnavailable("the code image " + id + " could not be materialized: a chunk of it is missing "
                    + "or corrupt (the server log has the details)", e);
        } catch (ImageExtractException | IOException e) {
            log.error("code image {} could not be materialized: {}", id, e.getMessage());
            // The command, its output and host paths stay in the server's log.
            throw new CodeUnavailable("the code image " + id + " could not be materialized (the server log has the "
                    + "details)", e);
        } finally {
            extracting.release();
        }
        log.info("materialized code image {} ({} bytes of parts) at {} in {} ms", id,
                parts.size(ImagePart.METADATA) + parts.size(ImagePart.BLOB), tree, (System.nanoTime() - started) / 1_000_000);
        return new Materialized(id, tree);
    }

    /** Deletes every tree; no sandbox binds one any more. */
    @Override
    public void close() {
        try {
            deleteContents(directory);
        } catch (IOException e) {
            log.warn("code images: deleting the materialized trees at close failed (the next start removes them): {}",
                    e.getMessage());
        }
    }

    /**
     * Renames {@code tree} aside, then deletes it: nobody finds a half-deleted tree under the image's name, and a
     * crash meanwhile leaves only a temporary for the next start.
     */
    private static void discard(Path tree) throws IOException {
        if (!Files.exists(tree, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path doomed = tree.resolveSibling("." + tree.getFileName() + "." + UUID.randomUUID() + REMOVING_SUFFIX);
        try {
            Files.move(tree, doomed, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return;
        }
        FileTrees.deleteRecursively(doomed);
    }

    private static int deleteContents(Path directory) throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                FileTrees.deleteRecursively(entry);
                removed++;
            }
        }
        return removed;
    }

    private record Materialized(ImageId id, Path root) implements CodeImageTree {
        @Override
        public boolean remove() {
            try {
                discard(root);
                log.info("removed materialized code image {}", id);
            } catch (IOException e) {
                log.warn("code image {}: deleting its materialized tree failed (removed before it is made again, or "
                        + "at the next start): {}", id, e.getMessage());
            }
            return true; // a tree left on disk reads no chunks
        }
    }
}
