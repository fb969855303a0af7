package io.kindling.worker.images;

import io.kindling.chunks.image.ImagePart;
import io.kindling.chunks.image.ImageParts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Remembers which threads read through it: FUSE callbacks must come on platform threads. */
final class ThreadRecordingParts implements ImageParts {
    private final ImageParts delegate;
    private final Set<Thread> readers = ConcurrentHashMap.newKeySet();

    ThreadRecordingParts(ImageParts delegate) {
        this.delegate = delegate;
    }

    @Override
    public long size(ImagePart part) {
        return delegate.size(part);
    }

    @Override
    public int read(ImagePart part, long offset, ByteBuffer into) throws IOException {
        readers.add(Thread.currentThread());
        return delegate.read(part, offset, into);
    }

    Set<Thread> readers() {
        return Set.copyOf(readers);
    }
}
