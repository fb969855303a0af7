package io.kindling.worker.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a sandbox's output pipe into an {@link OutputSink.ToStream}, on one platform thread per
 * sandbox: the read blocks in native code for as long as the function is quiet.
 */
final class OutputPump {
    private static final Logger LOG = LoggerFactory.getLogger(OutputPump.class);
    private static final int BUFFER = 16 * 1024;

    private OutputPump() {}

    /** Completes at end of stream, that is when every process of the sandbox has exited. */
    static CompletableFuture<Void> start(String id, InputStream from, OutputStream to) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().name("kindling-output-" + id).daemon(true).start(() -> {
            byte[] buffer = new byte[BUFFER];
            boolean sinkBroken = false;
            try (from) {
                int n;
                while ((n = from.read(buffer)) >= 0) {
                    if (sinkBroken) {
                        continue;
                    }
                    try {
                        to.write(buffer, 0, n);
                        to.flush();
                    } catch (IOException | RuntimeException e) {
                        // Keep reading: a function must never block on a full pipe because the
                        // worker's side of the log failed.
                        sinkBroken = true;
                        LOG.warn("sandbox {}: output sink failed, dropping the rest of its output", id, e);
                    }
                }
            } catch (IOException e) {
                LOG.warn("sandbox {}: reading its output failed", id, e);
            } finally {
                done.complete(null);
            }
        });
        return done;
    }
}
