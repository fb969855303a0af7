package io.kindling.frontend;

import io.kindling.chunks.InvalidPackageException;
import io.kindling.chunks.PackageLimits;
import io.kindling.chunks.PackageSummary;
import io.kindling.chunks.ZipPackageInspector;
import io.kindling.registry.Registry.StagedCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;

/**
 * Receives an uploaded zip: writes it to a temporary file, inspects it (traversal, links, bombs,
 * sizes) and hands it to the registry staged. A package that fails inspection is deleted at once,
 * so a rejected request leaves nothing behind.
 *
 * <p>Uploads hold up to ~120 MB of heap each (the base64 body and the decoded zip), so at most
 * {@code maxConcurrentUploads} are inspected at a time; others wait their turn.
 */
final class CodeIntake {
    private final Path stagingDir;
    private final PackageLimits limits;
    private final ZipPackageInspector inspector = new ZipPackageInspector();
    private final Semaphore uploads;

    CodeIntake(Path stagingDir, PackageLimits limits, int maxConcurrentUploads) {
        this.stagingDir = stagingDir;
        this.limits = limits;
        this.uploads = new Semaphore(maxConcurrentUploads, true);
        try {
            Files.createDirectories(stagingDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A staged package; close() removes its temporary file unless the registry moved it into the store. */
    record Staged(StagedCode code) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            Files.deleteIfExists(code.file());
        }
    }

    Staged stage(byte[] zip) throws IOException, InvalidPackageException, InterruptedException {
        uploads.acquire();
        try {
            Path file = Files.createTempFile(stagingDir, "upload-", ".zip");
            try {
                Files.write(file, zip);
                PackageSummary summary = inspector.inspect(file, limits);
                return new Staged(new StagedCode(file, summary));
            } catch (IOException | InvalidPackageException | RuntimeException e) {
                Files.deleteIfExists(file);
                throw e;
            }
        } finally {
            uploads.release();
        }
    }
}
