package io.kindling.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;

/**
 * A fixed number of callers, each on its own platform thread with its own connection, each sending
 * its next request as soon as the previous answer is in (closed loop: no think time, no fixed
 * rate, so latency is per call and coordinated omission does not arise). Measured in rounds so
 * several scenarios can take turns and share the machine's noise.
 */
final class ClosedLoopScenario implements AutoCloseable {

    /** One request and its complete answer; throws on any unexpected answer. */
    @FunctionalInterface
    interface Call {
        void run() throws Exception;
    }

    /** Opens one caller's connection (or whatever per-caller state the call needs). */
    @FunctionalInterface
    interface CallerFactory {
        Call open() throws Exception;
    }

    private final String name;
    private final int concurrency;
    private final List<Call> callers = new ArrayList<>();
    private final ExecutorService threads;
    private final Histogram measured = Latency.newHistogram();
    private long measuredNanos;

    ClosedLoopScenario(String name, int concurrency, CallerFactory factory) throws Exception {
        this.name = name;
        this.concurrency = concurrency;
        for (int i = 0; i < concurrency; i++) {
            callers.add(factory.open());
        }
        this.threads = Executors.newFixedThreadPool(concurrency, Thread.ofPlatform().name("caller-", 0).daemon(true).factory());
    }

    String name() {
        return name;
    }

    int concurrency() {
        return concurrency;
    }

    void warmUp(Duration length) throws InterruptedException {
        runFor(length, false);
    }

    void measureRound(Duration length) throws InterruptedException {
        runFor(length, true);
    }

    Latency latency() {
        return Latency.of(measured);
    }

    /** Completed calls per second over all measured rounds. */
    double throughputPerSecond() {
        return measured.getTotalCount() / (measuredNanos / 1e9);
    }

    private void runFor(Duration length, boolean record) throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        long[] deadline = new long[1];
        List<Future<Histogram>> results = new ArrayList<>();
        for (Call call : callers) {
            results.add(threads.submit(() -> {
                Histogram histogram = Latency.newHistogram();
                go.await();
                long end = deadline[0];
                for (long start = System.nanoTime(); start < end; start = System.nanoTime()) {
                    call.run();
                    histogram.recordValue(System.nanoTime() - start);
                }
                return histogram;
            }));
        }
        long started = System.nanoTime();
        deadline[0] = started + length.toNanos();
        go.countDown();
        List<Histogram> histograms = new ArrayList<>();
        try {
            for (Future<Histogram> result : results) {
                histograms.add(result.get());
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException(name + " (" + concurrency + " callers) failed: " + e.getCause(), e.getCause());
        }
        long elapsed = System.nanoTime() - started;
        if (record) {
            histograms.forEach(measured::add);
            measuredNanos += elapsed;
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
