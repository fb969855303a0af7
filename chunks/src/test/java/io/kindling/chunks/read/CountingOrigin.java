package io.kindling.chunks.read;

import io.kindling.chunks.crypto.ChunkCorruptException;
import io.kindling.chunks.crypto.Digest256;
import io.kindling.chunks.origin.ChunkMissingException;
import io.kindling.chunks.origin.OriginStore;
import io.kindling.chunks.origin.StoredObject;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** An origin that counts gets and can hold them until released. */
final class CountingOrigin implements OriginStore {

    final AtomicInteger gets = new AtomicInteger();
    final CountDownLatch fetchStarted = new CountDownLatch(1);
    private final OriginStore delegate;
    private final CountDownLatch release;

    CountingOrigin(OriginStore delegate, CountDownLatch release) {
        this.delegate = delegate;
        this.release = release;
    }

    @Override
    public byte[] get(Digest256 name) throws IOException, ChunkMissingException, ChunkCorruptException {
        gets.incrementAndGet();
        fetchStarted.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        }
        return delegate.get(name);
    }

    @Override
    public boolean put(Digest256 name, byte[] ciphertext) throws IOException {
        return delegate.put(name, ciphertext);
    }

    @Override
    public boolean exists(Digest256 name) throws IOException {
        return delegate.exists(name);
    }

    @Override
    public boolean delete(Digest256 name) throws IOException {
        return delegate.delete(name);
    }

    @Override
    public Stream<StoredObject> list() throws IOException {
        return delegate.list();
    }
}
