package io.kindling.counting;

/** One unit of a function's concurrency, held while its invocation runs. Closing it twice returns it once. */
public interface Lease extends AutoCloseable {
    String function();

    @Override
    void close();
}
