package io.kindling.chunks.oci.layers;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/**
 * Opens a layer blob as its uncompressed tar stream, charged to the image's byte budget as it is read.
 *
 * <p>The media type says the blob is a layer; the first bytes say how it is compressed. Registries
 * serve Docker's {@code tar.gzip} layers that are plain tars now and then, and containerd decides by
 * the magic number too, so a mislabelled but valid layer is read rather than refused.
 */
final class LayerStreams {
    private static final Set<String> LAYER_MEDIA_TYPES = Set.of(
            "application/vnd.oci.image.layer.v1.tar",
            "application/vnd.oci.image.layer.v1.tar+gzip",
            "application/vnd.oci.image.layer.v1.tar+zstd",
            "application/vnd.oci.image.layer.nondistributable.v1.tar",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
            "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip");
    private static final int BUFFER = 64 * 1024;
    private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b};
    private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};

    private LayerStreams() {}

    static boolean isLayerMediaType(String mediaType) {
        return LAYER_MEDIA_TYPES.contains(mediaType);
    }

    /** The layer's tar bytes; reading past what {@code budget} allows throws {@link BudgetExceeded}. */
    static InputStream open(Path blob, UncompressedBudget budget) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(blob), BUFFER);
        try {
            InputStream decompressed;
            if (startsWith(in, ZSTD_MAGIC)) {
                decompressed = new ZstdCompressorInputStream(in);
            } else if (startsWith(in, GZIP_MAGIC)) {
                decompressed = new GZIPInputStream(in, BUFFER);
            } else {
                decompressed = in;
            }
            return new Charged(new BufferedInputStream(decompressed, BUFFER), budget);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private static boolean startsWith(InputStream in, byte[] magic) throws IOException {
        in.mark(magic.length);
        try {
            return Arrays.equals(in.readNBytes(magic.length), magic);
        } finally {
            in.reset();
        }
    }

    /** The image's uncompressed bytes so far, against the limit; one per flatten, not thread-safe. */
    static final class UncompressedBudget {
        private final long limit;
        private long used;

        UncompressedBudget(long limit) {
            this.limit = limit;
        }

        void charge(long bytes) throws BudgetExceeded {
            used += bytes;
            if (used > limit) {
                throw new BudgetExceeded();
            }
        }

        long used() {
            return used;
        }

        long limit() {
            return limit;
        }
    }

    /** Thrown from inside the tar reader's reads; the flattener turns it into {@link LayerRejected#tooLarge}. */
    static final class BudgetExceeded extends IOException {
        private static final long serialVersionUID = 1L;

        BudgetExceeded() {
            super("uncompressed size limit exceeded");
        }
    }

    /** Charges every byte read, so a decompression bomb stops at the limit whatever its headers claim. */
    private static final class Charged extends FilterInputStream {
        private final UncompressedBudget budget;

        Charged(InputStream in, UncompressedBudget budget) {
            super(in);
            this.budget = budget;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                budget.charge(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                budget.charge(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // Skipped bytes are decompressed all the same: read them so they are charged.
            byte[] scratch = new byte[(int) Math.min(n, 8192)];
            long skipped = 0;
            while (skipped < n) {
                int read = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
                if (read < 0) {
                    break;
                }
                skipped += read;
            }
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
