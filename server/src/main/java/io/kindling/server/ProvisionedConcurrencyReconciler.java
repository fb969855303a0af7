package io.kindling.server;

import io.kindling.counting.ConcurrencyCounter;
import io.kindling.frontend.Invoker;
import io.kindling.registry.FunctionVersion;
import io.kindling.registry.ProvisionedConcurrency;
import io.kindling.registry.ProvisionedStatus;
import io.kindling.registry.Registry;
import io.kindling.registry.RegistryException;
import io.kindling.worker.pool.ProvisionListener;
import io.kindling.worker.pool.ProvisionStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the worker keep the environments the registry's provisioned concurrency configs ask for, and writes their
 * progress back (Status IN_PROGRESS → READY, or FAILED with the reason; Allocated and Available). Woken by every
 * change of the configs; one pass at a time on its own thread, so passes and reports never race each other, and a
 * burst of changes or reports makes one pass, not one each (the work queue never holds more than two tasks).
 */
final class ProvisionedConcurrencyReconciler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProvisionedConcurrencyReconciler.class);

    /** A published version of a function: what a pool of provisioned environments belongs to. */
    private record VersionKey(String function, String version) {}

    private final Registry registry;
    private final Provisioner worker;
    private final ConcurrencyCounter counter;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            Thread.ofVirtual().name("provisioned-concurrency").factory());
    private final AtomicBoolean passPending = new AtomicBoolean();
    private final AtomicBoolean reportPending = new AtomicBoolean();
    /** The newest status per version, written by the worker's threads, read by the report task. */
    private final Map<VersionKey, ProvisionStatus> latest = new ConcurrentHashMap<>();
    /** Only touched on {@link #thread}: what the last pass asked of the worker. */
    private final Map<VersionKey, List<ProvisionedConcurrency>> provisioned = new HashMap<>();
    private final Set<String> countedFunctions = new HashSet<>();

    /** What keeps the environments: the local worker, or on a node without one, a refusal saying why. */
    @FunctionalInterface
    interface Provisioner {
        void provision(FunctionVersion version, int count, ProvisionListener listener) throws Invoker.InvokeRefused;
    }

    ProvisionedConcurrencyReconciler(Registry registry, Provisioner worker, ConcurrencyCounter counter) {
        this.registry = registry;
        this.worker = worker;
        this.counter = counter;
    }

    /** Registers with the registry and makes the first pass (configs stored before a restart). */
    void start() {
        registry.addProvisionedConcurrencyListener(this::changed);
        changed();
    }

    void changed() {
        if (passPending.compareAndSet(false, true)) {
            thread.execute(this::pass);
        }
    }

    private void pass() {
        passPending.set(false);
        List<ProvisionedConcurrency> configs;
        try {
            configs = registry.provisionedConcurrency();
        } catch (RegistryException e) {
            log.warn("provisioned concurrency: the configs could not be read: {}", e.getMessage());
            return;
        }
        Map<VersionKey, List<ProvisionedConcurrency>> byVersion = new HashMap<>();
        Map<String, Integer> perFunction = new HashMap<>();
        for (ProvisionedConcurrency config : configs) {
            byVersion.computeIfAbsent(new VersionKey(config.functionName(), config.resolvedVersion()),
                    k -> new ArrayList<>()).add(config);
            perFunction.merge(config.functionName(), config.requested(), Integer::sum);
        }
        perFunction.forEach(counter::provision);
        for (String function : countedFunctions) {
            if (!perFunction.containsKey(function)) {
                counter.provision(function, 0);
            }
        }
        countedFunctions.clear();
        countedFunctions.addAll(perFunction.keySet());

        for (VersionKey gone : new ArrayList<>(provisioned.keySet())) {
            if (!byVersion.containsKey(gone)) {
                provisioned.remove(gone);
                latest.remove(gone);
                withVersion(gone, version -> worker.provision(version, 0, status -> {}));
            }
        }
        byVersion.forEach((key, ofVersion) -> {
            int count = ofVersion.stream().mapToInt(ProvisionedConcurrency::requested).sum();
            provisioned.put(key, ofVersion);
            withVersion(key, version -> worker.provision(version, count, status -> {
                latest.put(key, status);
                if (reportPending.compareAndSet(false, true)) {
                    thread.execute(this::report);
                }
            }));
        });
    }

    private interface VersionAction {
        void apply(FunctionVersion version) throws Exception;
    }

    private void withVersion(VersionKey key, VersionAction action) {
        try {
            action.apply(registry.resolve(key.function(), key.version()));
        } catch (RegistryException.FunctionNotFound | RegistryException.VersionNotFound gone) {
            // Deleted since the configs were read; the registry's listener brings the next pass.
        } catch (Exception e) {
            log.warn("provisioned concurrency of {}:{}: {}", key.function(), key.version(), e.getMessage());
            for (ProvisionedConcurrency config : provisioned.getOrDefault(key, List.of())) {
                write(config, 0, ProvisionedStatus.FAILED, Optional.of(e.getMessage()));
            }
        }
    }

    /**
     * Writes the newest status of every version to each of its configs. Several aliases of one version share its
     * environments: the ready ones are counted to them in turn, so the allocations add up to what exists.
     */
    private void report() {
        reportPending.set(false);
        for (Map.Entry<VersionKey, List<ProvisionedConcurrency>> entry : provisioned.entrySet()) {
            ProvisionStatus status = latest.remove(entry.getKey());
            if (status == null) {
                continue;
            }
            int unallocated = status.ready();
            for (ProvisionedConcurrency config : entry.getValue()) {
                int allocated = Math.min(config.requested(), unallocated);
                unallocated -= allocated;
                switch (status) {
                    case ProvisionStatus.Ready r -> write(config, allocated, ProvisionedStatus.READY, Optional.empty());
                    case ProvisionStatus.InProgress p ->
                            write(config, allocated, ProvisionedStatus.IN_PROGRESS, Optional.empty());
                    case ProvisionStatus.Failed f ->
                            write(config, allocated, ProvisionedStatus.FAILED, Optional.of(f.reason()));
                }
            }
        }
    }

    private void write(ProvisionedConcurrency config, int allocated, ProvisionedStatus status, Optional<String> reason) {
        try {
            registry.reportProvisioned(config.functionName(), config.qualifier(), allocated, status, reason);
        } catch (RegistryException e) {
            log.warn("provisioned concurrency of {}:{}: the status could not be stored: {}", config.functionName(),
                    config.qualifier(), e.getMessage());
        }
    }

    @Override
    public void close() throws InterruptedException {
        thread.shutdown();
        thread.awaitTermination(10, TimeUnit.SECONDS);
    }
}
