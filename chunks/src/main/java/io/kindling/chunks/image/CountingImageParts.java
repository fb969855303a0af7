package io.kindling.chunks.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the reads and bytes that pass through to another {@link ImageParts}, per part: how lazy
 * loading is measured (bytes fetched for a cold start against the image's size).
 */
public final class CountingImageParts implements ImageParts {
    private final ImageParts delegate;
    private final Map<ImagePart, LongAdder> bytes = new EnumMap<>(ImagePart.class);
    private final Map<ImagePart, LongAdder> reads = new EnumMap<>(ImagePart.class);

    public CountingImageParts(ImageParts delegate) {
        this.delegate = delegate;
        for (ImagePart part : ImagePart.values()) {
            bytes.put(part, new LongAdder());
            reads.put(part, new LongAdder());
        }
    }

    @Override
    public long size(ImagePart part) {
        return delegate.size(part);
    }

    @Override
    public int read(ImagePart part, long offset, ByteBuffer into) throws IOException {
        int n = delegate.read(part, offset, into);
        reads.get(part).increment();
        bytes.get(part).add(n);
        return n;
    }

    /** Bytes read from {@code part} so far. */
    public long bytesRead(ImagePart part) {
        return bytes.get(part).sum();
    }

    /** Read calls on {@code part} so far. */
    public long reads(ImagePart part) {
        return reads.get(part).sum();
    }

    /** Forgets what was counted, e.g. after the mount read the superblock. */
    public void reset() {
        bytes.values().forEach(LongAdder::reset);
        reads.values().forEach(LongAdder::reset);
    }
}
