package io.kindling.chunks.oci.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * A blob's bytes as they arrive, hashed on the way: the consumer reads them as they come (a layer is
 * never held in memory) and learns whether they were the right ones from {@link #verifyToEnd()}.
 * More bytes than the descriptor's size fail at once; too few or a wrong digest fail at the end.
 *
 * <p>Whatever a consumer derives from the bytes counts only once {@link #verifyToEnd()} returned:
 * a tar reader stops at the archive's end marker, so the stream cannot know by itself when its
 * consumer is done. A read that hits the end of a wrong blob throws {@link BlobMismatchException}.
 */
public final class VerifiedBlobStream extends FilterInputStream {
    private static final int DRAIN_BUFFER = 64 * 1024;
    private final ImageReference image;
    private final Descriptor blob;
    private final BlobOrigin origin;
    private final MessageDigest hashing = BlobDigest.newSha256();
    private long received;
    private boolean verified;

    /** A read reached the end of a blob whose bytes are not the descriptor's; the cause says how. */
    public static final class BlobMismatchException extends IOException {
        private static final long serialVersionUID = 1L;

        BlobMismatchException(RegistryPullException.BadLayer cause) {
            super(cause.getMessage(), cause);
        }

        @Override
        public synchronized RegistryPullException.BadLayer getCause() {
            return (RegistryPullException.BadLayer) super.getCause();
        }
    }

    VerifiedBlobStream(ImageReference image, Descriptor blob, InputStream body, BlobOrigin origin) {
        super(body);
        this.image = image;
        this.blob = blob;
        this.origin = origin;
    }

    public Descriptor descriptor() {
        return blob;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n < 0) {
            check();
            return -1;
        }
        hashing.update(buffer, offset, n);
        received += n;
        if (received > blob.size()) {
            throw new BlobMismatchException(mismatch("is longer than the " + blob.size() + " bytes its manifest states"));
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipped bytes must still be hashed.
        byte[] buffer = new byte[(int) Math.min(DRAIN_BUFFER, Math.max(n, 1))];
        int read = read(buffer, 0, (int) Math.min(buffer.length, n));
        return Math.max(read, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /**
     * Reads whatever the consumer left (a tar's padding, a compressor's trailer) and checks size and
     * digest; until it returns, nothing read from this stream is trusted.
     *
     * @throws RegistryPullException.BadLayer if the bytes are not the blob the manifest names
     * @throws RegistryPullException.Unreachable if the connection broke before the end
     */
    public void verifyToEnd() throws RegistryPullException {
        byte[] buffer = new byte[DRAIN_BUFFER];
        try {
            while (read(buffer, 0, buffer.length) >= 0) {
                // hashed by read
            }
        } catch (BlobMismatchException e) {
            throw e.getCause();
        } catch (IOException e) {
            throw origin.unreadable(image, e);
        }
    }

    private void check() throws BlobMismatchException {
        if (verified) {
            return;
        }
        if (received != blob.size()) {
            throw new BlobMismatchException(mismatch("has " + received + " bytes, not the " + blob.size() + " its manifest states"));
        }
        BlobDigest actual = BlobDigest.finish(hashing);
        if (!actual.equals(blob.digest())) {
            throw new BlobMismatchException(mismatch("has the digest " + actual));
        }
        verified = true;
    }

    private RegistryPullException.BadLayer mismatch(String what) {
        return origin.mismatch(image, blob, what);
    }
}
