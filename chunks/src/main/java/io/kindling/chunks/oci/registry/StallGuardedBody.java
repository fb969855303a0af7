package io.kindling.chunks.oci.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * A response body as an InputStream whose reads give up when no bytes arrived for a while: the
 * JDK's own {@code ofInputStream} blocks for ever on a registry that stops sending mid-layer, and
 * a request timeout long enough for a 10 GiB layer would not notice a stall for hours.
 *
 * <p>Flow control keeps it bounded: one list of the client's buffers is requested at a time, and the
 * next only when the reader takes one, so at most two lists and the end signal are ever queued.
 */
final class StallGuardedBody extends InputStream implements HttpResponse.BodySubscriber<InputStream> {
    private record Failed(Throwable cause) {}

    private static final Object END = new Object();
    /** One requested list, at most one more in the reader's hands, and the end or failure signal. */
    private final BlockingQueue<Object> signals = new ArrayBlockingQueue<>(3);
    private final Duration stall;
    private final CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();
    private Iterator<ByteBuffer> lists = List.<ByteBuffer>of().iterator();
    private ByteBuffer current = ByteBuffer.allocate(0);
    private boolean ended;
    private volatile boolean closed;

    StallGuardedBody(Duration stall) {
        this.stall = stall;
    }

    static HttpResponse.BodyHandler<InputStream> handler(Duration stall) {
        return info -> new StallGuardedBody(stall);
    }

    @Override
    public CompletionStage<InputStream> getBody() {
        return CompletableFuture.completedFuture(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        if (closed || !subscription.complete(s)) {
            s.cancel();
            return;
        }
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        signals.offer(item);
    }

    @Override
    public void onError(Throwable throwable) {
        signals.offer(new Failed(throwable));
    }

    @Override
    public void onComplete() {
        signals.offer(END);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException("the response body is closed");
        }
        if (length == 0) {
            return 0;
        }
        while (!current.hasRemaining()) {
            if (lists.hasNext()) {
                current = lists.next();
                continue;
            }
            if (ended || !next()) {
                return -1;
            }
        }
        int n = Math.min(length, current.remaining());
        current.get(buffer, offset, n);
        return n;
    }

    /** Takes the next list of buffers; false at the end of the body. */
    @SuppressWarnings("unchecked")
    private boolean next() throws IOException {
        Object signal;
        try {
            signal = signals.poll(stall.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading a response body");
        }
        if (signal == null) {
            close();
            throw new IOException("no data for " + stall.toMillis() + " ms");
        }
        if (signal == END) {
            ended = true;
            return false;
        }
        if (signal instanceof Failed failed) {
            ended = true;
            throw failed.cause() instanceof IOException io ? io : new IOException(failed.cause());
        }
        lists = ((List<ByteBuffer>) signal).iterator();
        subscription.join().request(1);
        return true;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Flow.Subscription s = subscription.getNow(null);
        if (s != null) {
            s.cancel();
        } else {
            subscription.cancel(false);
        }
    }
}
