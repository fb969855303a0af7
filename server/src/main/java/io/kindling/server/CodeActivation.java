package io.kindling.server;

import io.kindling.chunks.CodeStore;
import io.kindling.registry.Registry;
import io.kindling.registry.RegistryException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares committed code so its versions can leave Pending / InProgress: today that is
 * unpacking the zip into the tree a sandbox mounts; the chunk store's image build replaces it.
 * Runs on virtual threads, at most {@link #PARALLEL} packages at a time.
 */
final class CodeActivation implements Registry.CodeListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CodeActivation.class);
    static final int PARALLEL = 2;

    private final CodeStore codeStore;
    private final Registry registry;
    private final Semaphore slots = new Semaphore(PARALLEL);
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("code-activation-", 0).factory());

    CodeActivation(CodeStore codeStore, Registry registry) {
        this.codeStore = codeStore;
        this.registry = registry;
    }

    /** Resumes preparation that a restart (or kill -9) interrupted. */
    void resumePending() throws RegistryException {
        for (Registry.CodeRefOf pending : registry.pendingCode()) {
            codePending(pending.functionName(), pending.sha256Hex());
        }
    }

    @Override
    public void codePending(String functionName, String sha256Hex) {
        threads.submit(() -> activate(functionName, sha256Hex));
    }

    private void activate(String functionName, String sha256Hex) {
        try {
            slots.acquire();
            try {
                codeStore.unpacked(sha256Hex);
                registry.codeReady(functionName, sha256Hex);
            } finally {
                slots.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.error("could not prepare code {} of function {}", sha256Hex, functionName, e);
            try {
                registry.codeFailed(functionName, sha256Hex, "Kindling could not prepare the code package: " + e.getMessage());
            } catch (RegistryException again) {
                log.error("could not record the failure for function {}", functionName, again);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        threads.shutdown();
        if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
            log.warn("code activation still running at shutdown; it resumes at the next start");
            threads.shutdownNow();
        }
    }
}
