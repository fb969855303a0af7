package io.kindling.server;

import io.kindling.chunks.read.ChunkCacheStats;
import io.kindling.chunks.CodeStore;
import io.kindling.frontend.Invoker;
import io.kindling.registry.FunctionSettings;
import io.kindling.registry.FunctionVersion;
import io.kindling.registry.Registry;
import io.kindling.worker.logs.FunctionLogs;
import io.kindling.worker.pool.EnvironmentContext;
import io.kindling.worker.pool.EnvironmentUnavailable;
import io.kindling.worker.pool.FunctionPools;
import io.kindling.worker.pool.FunctionVersionSpec;
import io.kindling.worker.pool.ImageLaunch;
import io.kindling.worker.pool.InvocationInput;
import io.kindling.worker.pool.InvokeOutcome;
import io.kindling.worker.pool.MemoryBudget;
import io.kindling.worker.pool.ProvisionListener;
import io.kindling.worker.pool.Runtime;
import io.kindling.worker.pool.Runtimes;
import io.kindling.worker.runtimeapi.RuntimeApiServer;
import io.kindling.worker.sandbox.BubblewrapConfig;
import io.kindling.worker.sandbox.BubblewrapDriver;
import io.kindling.worker.sandbox.SandboxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's own worker behind the frontend's {@link Invoker}: a function version from the registry becomes a
 * {@link FunctionVersionSpec} (its unpacked code, its runtime, its settings) and runs in {@link FunctionPools}.
 */
final class LocalWorker implements Invoker, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalWorker.class);
    /** Beyond the function's timeout: a cold start, and the teardown that answers a timed-out invocation. */
    private static final Duration ANSWER_MARGIN = Duration.ofSeconds(60);

    private final CodeStore codeStore;
    private final CodeImages images;
    private final String region;
    private final BubblewrapDriver driver;
    private final RuntimeApiServer runtimeApi;
    private final ScheduledExecutorService timers;
    private final FunctionPools pools;
    private final Runtimes runtimes;

    private LocalWorker(CodeStore codeStore, CodeImages images, String region, BubblewrapDriver driver, RuntimeApiServer runtimeApi,
                        ScheduledExecutorService timers, FunctionPools pools, Runtimes runtimes) {
        this.runtimes = runtimes;
        this.codeStore = codeStore;
        this.images = images;
        this.region = region;
        this.driver = driver;
        this.runtimeApi = runtimeApi;
        this.timers = timers;
        this.pools = pools;
    }

    /**
     * Starts the worker, or explains why this node cannot run sandboxes: the server still serves the control plane,
     * and every invoke answers with the reason.
     */
    static Invoker start(WorkerConfig config, CodeStore codeStore, CodeImageStore imageStore, ChunkStoreConfig chunks,
                         Registry registry, String region, DataDirectory dataDir, FunctionLogs logs,
                         ColdStartMetrics coldStarts) {
        if (!config.enabled()) {
            return new Unavailable("this Kindling server was started without a worker");
        }
        if (!isRoot()) {
            log.warn("not running as root: functions cannot be invoked (sandboxes need root to create network "
                    + "namespaces and cgroups)");
            return new Unavailable("this Kindling server does not run as root, so it cannot create sandboxes");
        }
        String prefix = config.namePrefix().isEmpty() ? WorkerConfig.prefixFor(dataDir.root) : config.namePrefix();
        BubblewrapConfig sandboxes = BubblewrapConfig.defaults().withNamePrefix(prefix)
                .withDataDirectories(List.of(dataDir.root));
        BubblewrapDriver driver;
        Runtimes runtimes;
        try {
            driver = BubblewrapDriver.create(sandboxes);
            dataDir.letSandboxesReachCode(sandboxes.sandboxGid());
            runtimes = Runtimes.load();
        } catch (SandboxException | java.io.IOException | IllegalStateException e) {
            log.warn("functions cannot be invoked: {}", e.getMessage());
            return new Unavailable("this Kindling server cannot run functions: " + e.getMessage());
        }
        // A crashed server's sandboxes (processes, namespaces, cgroups, scratch dirs) go before any new one starts.
        driver.cleanLeftovers();
        driver.precreate(config.sandboxPool());
        RuntimeApiServer runtimeApi;
        try {
            runtimeApi = RuntimeApiServer.start();
        } catch (Exception e) {
            throw new IllegalStateException("the Runtime API server could not start", e);
        }
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("environment-timers").daemon().factory());
        EnvironmentContext context = new EnvironmentContext(driver, runtimeApi, timers, config.lifecycle(),
                Clock.systemUTC(), logs, new MemoryBudget(config.sandboxMemoryBytes()), coldStarts);
        log.info("worker: sandbox memory {} MiB, idle timeout {}", config.sandboxMemoryBytes() >> 20,
                config.lifecycle().idleTimeout());
        log.info("worker: runtimes {} from {}", runtimes.identifiers(), runtimes.directory());
        CodeImages images;
        try {
            images = CodeImages.start(dataDir.mountsDir(), dataDir.materializedDir(), imageStore, chunks,
                    coldStarts::codeTreeMade);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the code images could not start", e);
        }
        FunctionPools.Lifecycle lifecycle = new BothLifecycles(new CodeHolds(registry), images);
        return new LocalWorker(codeStore, images, region, driver, runtimeApi, timers, new FunctionPools(context, lifecycle),
                runtimes);
    }

    private static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(java.nio.file.Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    @Override
    public Result invoke(FunctionVersion version, Request request) throws InvokeRefused, InterruptedException {
        FunctionVersionSpec spec = spec(version);
        InvocationInput input = new InvocationInput(request.payload(), request.invokedArn(), request.clientContext(),
                Optional.empty(), request.requestId());
        InvokeOutcome outcome;
        try {
            outcome = pools.invoke(spec, input).get(spec.timeout().plus(ANSWER_MARGIN).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw refused(e.getCause());
        } catch (TimeoutException e) {
            throw new InvokeRefused(InvokeRefused.Why.UNAVAILABLE, "the worker did not answer within the function's"
                    + " timeout plus " + ANSWER_MARGIN.toSeconds() + " s", e);
        }
        return switch (outcome) {
            case InvokeOutcome.Response r -> new Result(r.body(), Optional.empty(), Optional.of(r.logTail().utf8()));
            case InvokeOutcome.FunctionFailure f -> new Result(f.body(), Optional.of("Unhandled"),
                    Optional.of(f.logTail().utf8()));
        };
    }

    /**
     * Keeps {@code count} environments of this published version initialized (provisioned concurrency); 0 removes
     * them. The listener hears how far along they are.
     *
     * @throws InvokeRefused when the version's code or runtime is not available here
     */
    void provision(FunctionVersion version, int count, ProvisionListener listener) throws InvokeRefused {
        pools.provision(spec(version), count, listener);
    }

    @Override
    public void functionDeleted(String functionName) {
        pools.retireFunction(functionName);
    }

    private static InvokeRefused refused(Throwable cause) {
        if (cause instanceof EnvironmentUnavailable unavailable) {
            InvokeRefused.Why why = unavailable.reason() == EnvironmentUnavailable.Reason.NO_CAPACITY
                    ? InvokeRefused.Why.NO_CAPACITY
                    : InvokeRefused.Why.UNAVAILABLE;
            return new InvokeRefused(why, unavailable.getMessage(), unavailable);
        }
        return new InvokeRefused(InvokeRefused.Why.UNAVAILABLE, "the invocation failed inside Kindling", cause);
    }

    /**
     * Mounts (or materializes) code {@code sha256Hex}'s stored image now, ahead of its first invoke: activation calls
     * it before the version turns Active, so a deploy's first cold start does not wait for the mount. The tree stays
     * for {@link ChunkStoreConfig#unmountGrace()} if no invoke comes. A failure is only logged: the first invoke
     * tries again and reports it.
     */
    void mountAhead(String sha256Hex) {
        try {
            images.codeDir(sha256Hex, codeStore::unpacked);
        } catch (CodeImages.CodeUnavailable | RuntimeException e) {
            log.warn("code {} could not be mounted ahead of its first invoke (that invoke will try again): {}",
                    sha256Hex, e.getMessage());
        }
    }

    /** Where this worker's chunk reads were served from since start. */
    ChunkCacheStats chunkReads() {
        return images.chunkReads();
    }

    private FunctionVersionSpec spec(FunctionVersion version) throws InvokeRefused {
        FunctionSettings settings = version.settings();
        Path code;
        try {
            code = images.codeDir(version.code().sha256Hex(), codeStore::unpacked);
        } catch (CodeImages.CodeUnavailable e) {
            throw new InvokeRefused(InvokeRefused.Why.UNAVAILABLE, "the code of " + version.functionName() + ":"
                    + version.version() + " is not available: " + e.getMessage(), e);
        }
        Duration timeout = Duration.ofSeconds(settings.timeoutSeconds());
        if (version.code().image().isPresent()) {
            ImageStart start = ImageStart.of(version.code().image().get().defaults(), settings.imageConfig());
            if (start.argv().isEmpty()) {
                throw new InvokeRefused(InvokeRefused.Why.UNAVAILABLE, "the image of " + version.functionName()
                        + " has no ENTRYPOINT or CMD, and its ImageConfig sets neither: nothing to start", null);
            }
            return FunctionVersionSpec.ofImage(version.functionName(), version.version(), settings.memoryMb(),
                    settings.ephemeralStorageMb(), timeout, start.handler(), region, code, settings.environment(),
                    new ImageLaunch(start.argv(), start.workingDirectory(), start.environment()));
        }
        return new FunctionVersionSpec(version.functionName(), version.version(), settings.memoryMb(),
                settings.ephemeralStorageMb(), timeout, settings.handler() == null ? "" : settings.handler(), region,
                code, settings.environment(), runtime(settings.runtime()));
    }

    private Runtime runtime(String name) throws InvokeRefused {
        return runtimes.find(name).orElseThrow(() -> new InvokeRefused(InvokeRefused.Why.UNAVAILABLE,
                "runtime " + name + " is not installed on this worker (it has " + runtimes.identifiers() + ")", null));
    }

    /** Shuts every sandbox down (SIGTERM, grace, SIGKILL) and stops the Runtime API. */
    @Override
    public void close() throws Exception {
        try {
            pools.close();
            driver.stopPrecreating();
            driver.removeEmptyParents();
        } finally {
            try {
                // After the pools: no sandbox binds an image any more.
                images.close();
            } finally {
                runtimeApi.close();
                timers.shutdownNow();
            }
        }
    }

    /** Tells both of two lifecycles, in order. */
    private record BothLifecycles(FunctionPools.Lifecycle first, FunctionPools.Lifecycle second)
            implements FunctionPools.Lifecycle {
        @Override
        public void opened(FunctionVersionSpec function) {
            first.opened(function);
            second.opened(function);
        }

        @Override
        public void closed(FunctionVersionSpec function) {
            try {
                second.closed(function);
            } finally {
                first.closed(function);
            }
        }
    }

    /**
     * Keeps each pool's code on disk while the pool lives: after an update the old environments run the old code
     * until they are shut down, and the registry would otherwise delete it with the commit.
     */
    private static final class CodeHolds implements FunctionPools.Lifecycle {
        private final Registry registry;
        /** Guarded by itself; one hold per open pool, so bounded by the pools. */
        private final Map<FunctionVersionSpec, Deque<Registry.CodeHold>> holds = new HashMap<>();

        CodeHolds(Registry registry) {
            this.registry = registry;
        }

        @Override
        public void opened(FunctionVersionSpec function) {
            Registry.CodeHold hold = registry.holdCode(function.codeDir().getFileName().toString());
            synchronized (holds) {
                holds.computeIfAbsent(function, f -> new ArrayDeque<>()).push(hold);
            }
        }

        @Override
        public void closed(FunctionVersionSpec function) {
            Registry.CodeHold hold;
            synchronized (holds) {
                Deque<Registry.CodeHold> forFunction = holds.get(function);
                hold = forFunction == null ? null : forFunction.poll();
                if (forFunction != null && forFunction.isEmpty()) {
                    holds.remove(function);
                }
            }
            if (hold != null) {
                hold.close();
            }
        }
    }

    /** What answers invokes on a node that cannot run sandboxes. */
    record Unavailable(String why) implements Invoker {
        @Override
        public Result invoke(FunctionVersion version, Request request) throws InvokeRefused {
            throw new InvokeRefused(InvokeRefused.Why.UNAVAILABLE, why, null);
        }
    }
}
