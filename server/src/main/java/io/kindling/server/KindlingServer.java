package io.kindling.server;

import io.kindling.chunks.LocalCodeStore;
import io.kindling.chunks.PackageLimits;
import io.kindling.chunks.oci.LayerCache;
import io.kindling.chunks.manifest.ManifestCorruptException;
import io.kindling.frontend.Arns;
import io.kindling.frontend.FrontendHandler;
import io.kindling.frontend.Invoker;
import io.kindling.frontend.auth.AccessKeys;
import io.kindling.frontend.auth.SigV4Verifier;
import io.kindling.registry.Registry;
import io.kindling.registry.RegistryException;
import io.kindling.wire.ChunkGcReport;
import io.kindling.worker.logs.FunctionLogs;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.handler.QoSHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kindling node with every component in this JVM: the frontend on Jetty, the registry on
 * SQLite, the code store on the local disk, all under one data directory.
 *
 * <p>Threads: Jetty's acceptor/selector platform threads; one virtual thread per request; the
 * registry's single database thread; virtual threads for code activation; one virtual thread for the chunk store's
 * garbage collection; the worker's (one virtual thread per
 * execution environment, the Runtime API's selector, a timer thread, the sandbox driver's platform threads).
 */
public final class KindlingServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KindlingServer.class);
    static final int MAX_CONNECTIONS = 4096;
    static final int MAX_REQUESTS_IN_FLIGHT = 256;
    static final int MAX_REQUESTS_WAITING = 1024;

    /** How the server authenticates, for the start-up message. */
    public record Credentials(Optional<String> accessKeyId, Optional<Path> generatedFile) {}

    private final ServerConfig config;
    private final DataDirectory dataDir;
    private final Registry registry;
    private final CodeActivation activation;
    private final ChunkGarbageCollector chunkGc;
    private final Invoker invoker;
    private final AsyncAndConcurrency async;
    private final FunctionLogs logs;
    private final Server jetty;
    private final ServerConnector connector;
    private final Credentials credentials;
    private final ContainerImageSource containerImages;
    private boolean closed;

    private KindlingServer(ServerConfig config, DataDirectory dataDir, Registry registry, CodeActivation activation,
                           ChunkGarbageCollector chunkGc, Invoker invoker, AsyncAndConcurrency async, FunctionLogs logs,
                           Server jetty, ServerConnector connector, Credentials credentials,
                           ContainerImageSource containerImages) {
        this.containerImages = containerImages;
        this.chunkGc = chunkGc;
        this.async = async;
        this.logs = logs;
        this.config = config;
        this.dataDir = dataDir;
        this.registry = registry;
        this.activation = activation;
        this.invoker = invoker;
        this.jetty = jetty;
        this.connector = connector;
        this.credentials = credentials;
    }

    public static KindlingServer start(ServerConfig config) throws Exception {
        DataDirectory dataDir = DataDirectory.open(config.dataDir());
        Invoker invoker = null;
        FunctionLogs logs = null;
        AsyncAndConcurrency async = null;
        ChunkGarbageCollector chunkGc = null;
        ContainerImageSource containerImages = null;
        try {
            clearStaging(dataDir.stagingDir());
            var keys = accessKeys(config, dataDir.root);
            Arns arns = new Arns(config.region(), config.accountId());
            LocalCodeStore codeStore = new LocalCodeStore(dataDir.codeDir());
            Registry registry = new Registry(dataDir.registryFile(), codeStore, Clock.systemUTC(),
                    new Registry.ConcurrencyLimits(config.accountConcurrency(), 100));
            CodeImageStore images = CodeImageStore.open(dataDir.root, config.chunks());
            LocalImageStore localImages = LocalImageStore.open(dataDir.root);
            containerImages = new ContainerImageSource(config.registries().settings(), localImages,
                    LayerCache.open(dataDir.root.resolve("chunks").resolve("layers"),
                            config.registries().layerCacheBytes()));
            logs = FunctionLogs.open(dataDir.logsDir());
            PrometheusMeterRegistry metrics = ServerStatus.newRegistry();
            invoker = LocalWorker.start(config.worker(), codeStore, images, config.chunks(), registry, config.region(),
                    dataDir, logs, new ColdStartMetrics(metrics));
            // The worker first: activation mounts each new image on it before the version turns Active.
            Consumer<String> mountAhead = sha256Hex -> { };
            if (invoker instanceof LocalWorker worker && config.worker().mountAhead()) {
                mountAhead = worker::mountAhead;
            }
            CodeActivation activation = new CodeActivation(codeStore, registry, images, containerImages, mountAhead);
            registry.onCodePending(activation);
            activation.resumePending();
            activation.backfillImages();
            chunkGc = ChunkGarbageCollector.start(images, registry, config.chunks());
            async = AsyncAndConcurrency.start(config, dataDir, registry, invoker, arns);
            ServerStatus status = new ServerStatus(metrics, images, chunkGc, invoker instanceof LocalWorker local
                    ? local::chunkReads : ServerStatus::noChunkReads);

            QueuedThreadPool pool = new QueuedThreadPool();
            pool.setName("frontend");
            pool.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("request-", 0).factory()));
            Server jetty = new Server(pool);
            HttpConfiguration http = new HttpConfiguration();
            http.setSendServerVersion(false);
            http.setSendXPoweredBy(false);
            // The SDKs read Date to correct their clock skew after a "Signature expired" answer.
            http.setSendDateHeader(true);
            ServerConnector connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
            connector.setHost(config.host());
            connector.setPort(config.port());
            jetty.addConnector(connector);
            String[] baseUrl = new String[1];
            FrontendHandler frontend = new FrontendHandler(registry, codeStore, new FrontendHandler.Settings(arns,
                    keys.map(k -> new SigV4Verifier(k.keys(), config.region(), "lambda", Clock.systemUTC(),
                            SigV4Verifier.DEFAULT_CLOCK_SKEW)),
                    dataDir.stagingDir(), PackageLimits.lambdaDefaults(), 4, Clock.systemUTC(), () -> baseUrl[0],
                    invoker, new StoredLogReader(logs), async.events(), async.counter(), status, containerImages,
                    localImages));
            // Cheap threads are not unlimited capacity: cap connections and requests in flight;
            // excess requests wait (bounded, 30 s at most), then get 503, which the SDKs retry.
            jetty.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, connector));
            QoSHandler admission = new QoSHandler(frontend);
            admission.setMaxRequestCount(MAX_REQUESTS_IN_FLIGHT);
            admission.setMaxSuspendedRequestCount(MAX_REQUESTS_WAITING);
            admission.setMaxSuspend(Duration.ofSeconds(30));
            GracefulHandler graceful = new GracefulHandler(admission);
            jetty.setHandler(graceful);
            jetty.setStopTimeout(30_000);
            jetty.start();
            baseUrl[0] = "http://" + hostForUrl(config.host()) + ":" + connector.getLocalPort();
            Credentials credentials = new Credentials(keys.map(k -> k.firstKeyId()),
                    keys.filter(k -> k.generated()).map(k -> k.file()));
            if (config.auth() == ServerConfig.Auth.NONE) {
                log.warn("authentication is OFF (--auth none): anyone who can reach {} can change every function", baseUrl[0]);
            }
            log.info("Kindling listening on {} (data directory {})", baseUrl[0], dataDir.root);
            return new KindlingServer(config, dataDir, registry, activation, chunkGc, invoker, async, logs, jetty,
                    connector, credentials, containerImages);
        } catch (Exception e) {
            if (containerImages != null) {
                containerImages.close();
            }
            if (chunkGc != null) {
                chunkGc.close();
            }
            if (async != null) {
                async.close();
            }
            if (invoker instanceof LocalWorker worker) {
                worker.close();
            }
            if (logs != null) {
                logs.close();
            }
            dataDir.close();
            throw e;
        }
    }

    /** The keys the verifier accepts, or empty when authentication is off. */
    private record Keys(AccessKeys keys, String firstKeyId, boolean generated, Path file) {}

    private static Optional<Keys> accessKeys(ServerConfig config, Path dataDir) throws IOException {
        if (config.auth() == ServerConfig.Auth.NONE) {
            return Optional.empty();
        }
        if (config.credentialsFile().isPresent()) {
            AccessKeys keys = AccessKeys.fromCredentialsFile(config.credentialsFile().get());
            return Optional.of(new Keys(keys, keys.accessKeyIds().iterator().next(), false, config.credentialsFile().get()));
        }
        String id = System.getenv("KINDLING_ACCESS_KEY_ID");
        String secret = System.getenv("KINDLING_SECRET_ACCESS_KEY");
        if (id != null && secret != null) {
            return Optional.of(new Keys(AccessKeys.of(id, secret), id, false, null));
        }
        if (id != null || secret != null) {
            throw new IllegalArgumentException("set both KINDLING_ACCESS_KEY_ID and KINDLING_SECRET_ACCESS_KEY, or neither");
        }
        AccessKeys.Loaded loaded = AccessKeys.loadOrGenerate(dataDir);
        return Optional.of(new Keys(loaded.keys(), loaded.keys().accessKeyIds().iterator().next(), loaded.generated(), loaded.file()));
    }

    private static void clearStaging(Path staging) throws IOException {
        if (Files.isDirectory(staging)) {
            try (Stream<Path> leftovers = Files.list(staging)) {
                for (Path p : leftovers.toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static String hostForUrl(String host) {
        return host.equals("0.0.0.0") || host.isEmpty() ? "127.0.0.1" : host.contains(":") ? "[" + host + "]" : host;
    }

    public int port() {
        return connector.getLocalPort();
    }

    public String endpoint() {
        return "http://" + hostForUrl(config.host()) + ":" + port();
    }

    public Path dataDir() {
        return dataDir.root;
    }

    public Credentials credentials() {
        return credentials;
    }

    public void join() throws InterruptedException {
        jetty.join();
    }

    /**
     * Runs one garbage collection pass over the chunk store now (after the scheduled one under way, if any): the
     * images of deleted functions and versions go, and every chunk nothing uses any more.
     *
     * @throws ManifestCorruptException if a manifest that must be kept cannot be read: nothing was swept
     */
    public ChunkGcReport collectChunkGarbage() throws IOException, RegistryException, ManifestCorruptException {
        return chunkGc.collect();
    }

    /**
     * Graceful stop: stop accepting, let in-flight requests finish (up to 30 s), finish code
     * activation, then close the database cleanly and release the data directory.
     */
    @Override
    public synchronized void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        log.info("Kindling stopping: finishing in-flight requests");
        try {
            jetty.stop();
        } finally {
            // Before the worker: the queue's deliveries in flight finish on it; the rest stays on disk.
            async.close();
            if (invoker instanceof LocalWorker worker) {
                worker.close();
            }
            logs.close();
            chunkGc.close();
            activation.close();
            // After the activation: an import still running is interrupted by its close and resumes at the next start.
            containerImages.close();
            registry.close();
            dataDir.close();
            log.info("Kindling stopped");
        }
    }
}
