package io.kindling.server;

import io.kindling.chunks.CodeStore;
import io.kindling.chunks.image.ImageBuildException;
import io.kindling.chunks.ingest.IngestReport;
import io.kindling.chunks.oci.ImportedImage;
import io.kindling.chunks.oci.layers.LayerRejected;
import io.kindling.chunks.oci.registry.RegistryPullException;
import io.kindling.registry.ContainerImage;
import io.kindling.registry.Registry;
import io.kindling.registry.RegistryException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares committed code so its versions can leave Pending / InProgress: unpacks the zip, builds the
 * tree's deterministic EROFS image and stores it as chunks with its sealed manifest
 * ({@link CodeImageStore}); for a container image, pulls it layer by layer, flattens it and stores its root the same
 * way ({@link ContainerImageSource}), keyed by its manifest digest. The code becomes Active only once the manifest is durable; an activation
 * interrupted anywhere (crash, kill -9) is resumed at the next start and completes, reusing the chunks
 * already stored. Without mkfs.erofs on the host the image step is skipped (logged once) and the worker
 * binds the unpacked tree, as before images.
 * Runs on virtual threads, at most {@link #PARALLEL} packages at a time.
 */
final class CodeActivation implements Registry.CodeListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CodeActivation.class);
    static final int PARALLEL = 2;

    private final CodeStore codeStore;
    private final Registry registry;
    private final CodeImageStore images;
    private final ContainerImageSource containerImages;
    /** Mounts a stored image on the worker ahead of its first invoke; never throws. */
    private final Consumer<String> mountAhead;
    private final AtomicBoolean toolMissingLogged = new AtomicBoolean();
    private final Semaphore slots = new Semaphore(PARALLEL);
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("code-activation-", 0).factory());

    /**
     * @param mountAhead given each code's digest once its image is stored, before the version turns Active: the
     *     worker mounts it then, so the first invoke after a deploy does not wait for the mount (it must not throw)
     */
    CodeActivation(CodeStore codeStore, Registry registry, CodeImageStore images, ContainerImageSource containerImages,
                   Consumer<String> mountAhead) {
        this.containerImages = containerImages;
        this.mountAhead = mountAhead;
        this.codeStore = codeStore;
        this.registry = registry;
        this.images = images;
    }

    /** Resumes preparation that a restart (or kill -9) interrupted. */
    void resumePending() throws RegistryException {
        for (Registry.CodeRefOf pending : registry.pendingCode()) {
            codePending(pending.functionName(), pending.sha256Hex());
        }
    }

    /**
     * Stores, in the background and one at a time, the images of code that is in use but has none: code activated
     * before images existed, or while mkfs.erofs was missing. Until its image is stored such code is bound unpacked;
     * after, its next cold start mounts (or materializes) the image like any other. Pending code is left to
     * {@link #resumePending}.
     */
    void backfillImages() throws RegistryException {
        Set<String> pending = new HashSet<>();
        for (Registry.CodeRefOf ref : registry.pendingCode()) {
            pending.add(ref.sha256Hex());
        }
        List<String> missing = registry.codeInUse().stream()
                .filter(sha -> !pending.contains(sha) && !images.hasImage(sha) && codeStore.find(sha).isPresent())
                .sorted().toList();
        if (missing.isEmpty()) {
            return;
        }
        log.info("{} code package(s) in use have no image yet; storing their images in the background", missing.size());
        threads.submit(() -> {
            for (String sha256Hex : missing) {
                try {
                    slots.acquire();
                } catch (InterruptedException e) {
                    return; // closing: the next start carries on
                }
                try {
                    storeImage("(in use, stored before images)", sha256Hex, codeStore.unpacked(sha256Hex));
                } catch (Exception e) {
                    log.warn("could not store the image of code {} (its versions keep binding the unpacked package): "
                            + "{}", sha256Hex, e.toString());
                } finally {
                    slots.release();
                }
            }
        });
    }

    @Override
    public void codePending(String functionName, String sha256Hex) {
        threads.submit(() -> activate(functionName, sha256Hex));
    }

    private void activate(String functionName, String sha256Hex) {
        try {
            slots.acquire();
            try {
                Optional<ContainerImage> image = registry.containerImage(functionName, sha256Hex);
                if (image.isPresent()) {
                    importImage(functionName, sha256Hex, image.get());
                } else {
                    storeImage(functionName, sha256Hex, codeStore.unpacked(sha256Hex));
                }
                mountAhead.accept(sha256Hex);
                registry.codeReady(functionName, sha256Hex);
            } finally {
                slots.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ImageRefused e) {
            log.warn("container image {} of function {} refused: {}", sha256Hex, functionName, e.getMessage());
            failed(functionName, sha256Hex, e.getMessage(), e.reasonCode);
        } catch (Exception e) {
            log.error("could not prepare code {} of function {}", sha256Hex, functionName, e);
            failed(functionName, sha256Hex, "Kindling could not prepare the code package: " + e.getMessage(),
                    "InternalError");
        }
    }

    private void failed(String functionName, String sha256Hex, String reason, String reasonCode) {
        try {
            registry.codeFailed(functionName, sha256Hex, reason, reasonCode);
        } catch (RegistryException again) {
            log.error("could not record the failure for function {}", functionName, again);
        }
    }

    /**
     * Pulls, flattens and stores a container image, unless its image is stored already (the same image in another
     * function, or an import a crash interrupted after the manifest was written). Failures the image's owner can act
     * on become {@link ImageRefused} with Lambda's StateReasonCode; Kindling's own (disk full, mkfs.erofs missing)
     * stay exceptions and become InternalError.
     */
    private void importImage(String functionName, String manifestSha256Hex, ContainerImage image) throws Exception {
        if (images.hasImage(manifestSha256Hex)) {
            return;
        }
        long started = System.nanoTime();
        ImportedImage<CodeImageStore.StoredImage> imported;
        try {
            imported = containerImages.importInto(images, image, manifestSha256Hex);
        } catch (RegistryPullException e) {
            throw new ImageRefused(e.getMessage(), switch (e) {
                case RegistryPullException.NotFound notFound -> "ImageDeleted";
                case RegistryPullException.AuthFailed denied -> "ImageAccessDenied";
                case RegistryPullException.Unreachable unreachable -> "ImageAccessDenied";
                case RegistryPullException.RegistryError error -> "ImageAccessDenied";
                case RegistryPullException.UnsupportedMediaType unsupported -> "InvalidImage";
                case RegistryPullException.NoMatchingPlatform platform -> "InvalidImage";
                case RegistryPullException.ImageTooLarge tooLarge -> "InvalidImage";
                case RegistryPullException.BadLayer bad -> "InvalidImage";
                case RegistryPullException.BadManifest bad -> "InvalidImage";
            });
        } catch (LayerRejected e) {
            throw new ImageRefused(e.getMessage(), "InvalidImage");
        }
        IngestReport report = imported.stored().report();
        log.info("image {} of function {} imported in {} ms: {} bytes in {} chunks, {} new, {} reused, {} zero",
                image.resolvedImageUri(), functionName, (System.nanoTime() - started) / 1_000_000,
                report.total().bytes(), report.total().chunks(), report.unique().bytes(), report.reused().bytes(),
                report.zero().bytes());
    }

    /** A container image its owner must fix: unreachable, unknown, refused, or not something Kindling can run. */
    private static final class ImageRefused extends Exception {
        private static final long serialVersionUID = 1L;
        private final String reasonCode;

        ImageRefused(String message, String reasonCode) {
            super(message);
            this.reasonCode = reasonCode;
        }
    }

    private void storeImage(String functionName, String sha256Hex, Path tree) throws Exception {
        if (images.hasImage(sha256Hex)) {
            return; // another function's package with the same bytes, or a retry after the manifest was written
        }
        try {
            CodeImageStore.StoredImage stored = images.store(sha256Hex, tree);
            IngestReport report = stored.report();
            log.info("code {} of function {}: image stored, {} bytes in {} chunks: {} unique, {} reused, {} zero"
                            + " (dedupe {}%)", sha256Hex, functionName, report.total().bytes(), report.total().chunks(),
                    report.unique().bytes(), report.reused().bytes(), report.zero().bytes(),
                    Math.round(report.dedupeRatio() * 1000) / 10.0);
        } catch (ImageBuildException.ToolMissing e) {
            if (toolMissingLogged.compareAndSet(false, true)) {
                log.warn("mkfs.erofs is not installed (Debian: erofs-utils): code is not stored as images, and "
                        + "sandboxes bind the unpacked packages instead ({})", e.getMessage());
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        threads.shutdown();
        if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
            log.warn("code activation still running at shutdown; it resumes at the next start");
            threads.shutdownNow();
        }
    }
}
