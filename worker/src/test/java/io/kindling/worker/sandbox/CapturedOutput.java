package io.kindling.worker.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * A sandbox's output, collected for assertions. Waiting is done on the monitor, notified on every
 * write: no sleeps, only timeouts.
 */
final class CapturedOutput extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<Long> firstByteNanos = new CompletableFuture<>();

    @Override
    public synchronized void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        if (len > 0) {
            firstByteNanos.complete(System.nanoTime());
        }
        bytes.write(b, off, len);
        notifyAll();
    }

    synchronized String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** System.nanoTime() of the first byte. */
    CompletableFuture<Long> firstByte() {
        return firstByteNanos;
    }

    /** Waits until the text so far satisfies the condition; fails with the text on timeout. */
    synchronized String await(Predicate<String> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.test(text())) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("output did not reach the expected state within " + timeout + ":\n" + text());
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return text();
    }

    String awaitLine(String line, Duration timeout) throws InterruptedException {
        return await(t -> t.lines().anyMatch(line::equals), timeout);
    }
}
