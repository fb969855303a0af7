package io.kindling.cli;

import io.kindling.chunks.oci.registry.BlobDigest;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * An image on this machine, read from an OCI layout directory ({@link OciLayoutImages}) or a {@code docker save}
 * archive ({@link DockerArchives}), ready to push to the server's local image store: its blobs, config first, then
 * the layers base first, each opened as a stream when it is sent (never held in memory), and its manifest's bytes.
 *
 * @param tag the tag to push it under (the source's, else {@code latest})
 * @param manifest the image manifest as pushed; its digest is the image's
 * @param source closed with the image: the archive the blobs are read from, if any
 */
record LocalImage(String tag, byte[] manifest, List<Blob> blobs, Optional<Closeable> source) implements Closeable {
    LocalImage {
        blobs = List.copyOf(blobs);
    }

    /** Opens a blob's bytes, once per upload. */
    @FunctionalInterface
    interface Opener {
        InputStream open() throws IOException;

        static Opener file(Path file) {
            return () -> Files.newInputStream(file);
        }
    }

    /**
     * @param what how the progress lines name it: {@code config}, {@code layer 2/3}
     */
    record Blob(String what, BlobDigest digest, long size, Opener bytes) {}

    /** What {@code kindling deploy --image} was given, if it names a local image rather than a registry reference. */
    record Location(Path path, Optional<String> tag) {
        /**
         * An existing directory or {@code .tar} file, or {@code DIR:TAG} where DIR is an existing directory; anything
         * else is a registry reference.
         */
        static Optional<Location> of(String image) {
            Path whole = Path.of(image);
            if (Files.isDirectory(whole) || Files.isRegularFile(whole)) {
                return Optional.of(new Location(whole, Optional.empty()));
            }
            int colon = image.lastIndexOf(':');
            if (colon > 0 && colon < image.length() - 1) {
                Path dir = Path.of(image.substring(0, colon));
                if (Files.isDirectory(dir) || Files.isRegularFile(dir)) {
                    return Optional.of(new Location(dir, Optional.of(image.substring(colon + 1))));
                }
            }
            return Optional.empty();
        }

        LocalImage read() throws Exception {
            return Files.isDirectory(path) ? OciLayoutImages.read(path, tag) : DockerArchives.read(path, tag);
        }
    }

    @Override
    public void close() throws IOException {
        if (source.isPresent()) {
            source.get().close();
        }
    }
}
