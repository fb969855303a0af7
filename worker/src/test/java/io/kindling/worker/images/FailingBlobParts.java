package io.kindling.worker.images;

import io.kindling.chunks.image.ImagePart;
import io.kindling.chunks.image.ImageParts;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Fails blob reads while told to, as a chunk that fails verification will. */
final class FailingBlobParts implements ImageParts {
    private final ImageParts delegate;
    private volatile boolean failBlob;

    FailingBlobParts(ImageParts delegate) {
        this.delegate = delegate;
    }

    void failBlob(boolean fail) {
        failBlob = fail;
    }

    @Override
    public long size(ImagePart part) {
        return delegate.size(part);
    }

    @Override
    public int read(ImagePart part, long offset, ByteBuffer into) throws IOException {
        if (part == ImagePart.BLOB && failBlob) {
            throw new IOException("chunk failed verification (test)");
        }
        return delegate.read(part, offset, into);
    }
}
