package io.kindling.worker.sandbox;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The platform threads every host process of this package is spawned from.
 *
 * <p>Two reasons for dedicated threads. Spawning blocks in native code (posix_spawn, then waiting
 * for the exec handshake), which should not hold a virtual thread's carrier. And bwrap's
 * --die-with-parent is PR_SET_PDEATHSIG, which the kernel fires when the parent <em>thread</em>
 * exits, not the parent process: a sandbox spawned from a pooled thread that later retires (a
 * ForkJoinPool carrier, a cached pool) would be SIGKILLed at that moment. These threads are never
 * retired (fixed pool, no timeout), so a sandbox lives until it exits, is closed, or the JVM dies.
 */
final class Spawner {
    private static final ExecutorService THREADS = Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            Thread.ofPlatform().name("kindling-spawner-", 0).daemon(true).factory());

    private Spawner() {}

    /**
     * Starts the process on a spawner thread, then writes {@code stdin} to it and closes its stdin
     * (when the builder has a piped stdin).
     */
    static Process start(ProcessBuilder builder, byte[] stdin) throws IOException {
        Future<Process> started = THREADS.submit(() -> {
            Process process = builder.start();
            if (builder.redirectInput() == ProcessBuilder.Redirect.PIPE) {
                // Small (the environment, at most a few KiB), so it fits the pipe without waiting.
                try (OutputStream in = process.getOutputStream()) {
                    in.write(stdin);
                } catch (IOException e) {
                    process.destroyForcibly();
                    throw e;
                }
            }
            return process;
        });
        try {
            return started.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("spawning " + builder.command().getFirst() + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while spawning " + builder.command().getFirst(), e);
        }
    }
}
