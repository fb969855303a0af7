package io.kindling.cli;

import io.kindling.assignment.LifecycleSettings;
import io.kindling.counting.ScalingRate;
import io.kindling.events.EventQueueConfig;
import io.kindling.server.ChunkStoreConfig;
import io.kindling.server.KindlingServer;
import io.kindling.server.ServerConfig;
import io.kindling.server.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run a Kindling node: the Lambda API, the registry and the code store, in this process.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--data-dir", description = "Data directory (default: ${DEFAULT-VALUE}).", defaultValue = ".kindling")
    Path dataDir;

    @Option(names = "--port", description = "Listen port; 0 picks a free one (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + ServerConfig.DEFAULT_PORT)
    int port;

    @Option(names = "--host", description = "Listen address (default: ${DEFAULT-VALUE}).", defaultValue = "127.0.0.1")
    String host;

    @Option(names = "--region", description = "Region in ARNs and SigV4 scopes (default: ${DEFAULT-VALUE}).",
            defaultValue = "us-east-1")
    String region;

    @Option(names = "--account-id", description = "12-digit account id in ARNs (default: ${DEFAULT-VALUE}).",
            defaultValue = "000000000000")
    String accountId;

    @Option(names = "--auth", description = "sigv4 (default) or none (local experiments only).", defaultValue = "sigv4")
    String auth;

    @Option(names = "--credentials", description = "AWS-style credentials file whose keys the server accepts.")
    Path credentials;

    @Option(names = "--account-concurrency", description = "Account concurrency limit (default: ${DEFAULT-VALUE}).",
            defaultValue = "1000")
    int accountConcurrency;

    @Option(names = "--sandbox-memory", paramLabel = "MB",
            description = "Cap on the memory of all sandboxes together (default: three quarters of this machine's)")
    Long sandboxMemoryMb;

    @Option(names = "--sandbox-pool", paramLabel = "N",
            description = "Most sandboxes kept pre-created (network namespace, cgroup, scratch directory; no process), "
                    + "sized to the recent rate of cold starts; 0 = none (default: ${DEFAULT-VALUE})",
            defaultValue = "" + WorkerConfig.DEFAULT_SANDBOX_POOL)
    int sandboxPool;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS",
            description = "How long an execution environment stays warm after its last invoke (default: ${DEFAULT-VALUE})",
            defaultValue = "600")
    long idleTimeoutSeconds;

    @Option(names = "--scaling-rate", paramLabel = "N",
            description = "New concurrent invocations one function may add every 10 s (Lambda's: ${DEFAULT-VALUE})",
            defaultValue = "1000")
    int scalingStep;

    @Option(names = "--async-parallelism", paramLabel = "N",
            description = "Async events delivered at once, shared fairly among functions (default: ${DEFAULT-VALUE})",
            defaultValue = "64")
    int asyncParallelism;

    @Option(names = "--async-retry-delay", paramLabel = "SECONDS",
            description = "Delay before an async event's first retry; the second waits twice as long (Lambda's: "
                    + "${DEFAULT-VALUE})", defaultValue = "60")
    double asyncRetryDelaySeconds;

    @Option(names = "--async-max-queued", paramLabel = "N",
            description = "Async events the queue holds at most; beyond it Event invokes get 429 (default: "
                    + "${DEFAULT-VALUE})", defaultValue = "100000")
    int asyncMaxQueued;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--chunk-salt-epoch", paramLabel = "DAYS",
            description = "Days one chunk salt is used; a new epoch stores popular chunks again under new names "
                    + "(default: ${DEFAULT-VALUE})", defaultValue = "30")
    long saltEpochDays;

    @Option(names = "--chunk-cache", paramLabel = "MB",
            description = "Memory for verified code chunks on the worker, shared by every image (default: "
                    + "${DEFAULT-VALUE})", defaultValue = "256")
    long chunkCacheMb;

    @Option(names = "--chunk-disk-cache", paramLabel = "MB",
            description = "Local disk for code chunks on the worker (encrypted, under <data-dir>/chunks/cache, kept "
                    + "across restarts); 0 turns it off (default: ${DEFAULT-VALUE})", defaultValue = "2048")
    long chunkDiskCacheMb;

    @Option(names = "--chunk-gc-grace", paramLabel = "SECONDS",
            description = "Age before garbage collection deletes an unused code image's manifest or an unreferenced "
                    + "chunk (default: ${DEFAULT-VALUE})", defaultValue = "3600")
    long gcGraceSeconds;

    @Option(names = "--chunk-gc-interval", paramLabel = "SECONDS",
            description = "Time between garbage collection passes over the chunk store (default: ${DEFAULT-VALUE})",
            defaultValue = "600")
    long gcIntervalSeconds;

    @Option(names = "--no-image-mounts",
            description = "Materialize code images from their chunks into directories instead of mounting them, as "
                    + "on hosts without FUSE or loop devices")
    boolean noImageMounts;

    @Option(names = "--insecure-registry", paramLabel = "HOST[:PORT]",
            description = "A container registry pulled over plain http; repeat for more (loopback always is; every other"
                    + " registry is https)")
    java.util.Set<String> insecureRegistries = new java.util.LinkedHashSet<>();

    @Option(names = "--registry-credentials", paramLabel = "FILE",
            description = "Credentials for container registries, in Docker's config.json format (e.g. "
                    + "~/.docker/config.json after docker login); must be mode 0600")
    Path registryCredentials;

    @Option(names = "--image-layer-cache", paramLabel = "MB",
            description = "Disk for container image layers kept between imports under <data-dir>/chunks/layers, so "
                    + "images sharing a base pull it once (default: ${DEFAULT-VALUE}; 0 = none)",
            defaultValue = "2048")
    long imageLayerCacheMb;

    private ChunkStoreConfig chunks() {
        ChunkStoreConfig defaults = ChunkStoreConfig.defaults();
        return new ChunkStoreConfig(Duration.ofDays(saltEpochDays), chunkCacheMb << 20, chunkDiskCacheMb << 20,
                defaults.unmountGrace(), !noImageMounts, Duration.ofSeconds(gcGraceSeconds),
                Duration.ofSeconds(gcIntervalSeconds));
    }

    private EventQueueConfig events() {
        EventQueueConfig defaults = EventQueueConfig.defaults();
        return defaults.withParallelism(asyncParallelism).withMaxQueuedEvents(asyncMaxQueued)
                .withDelays(Duration.ofMillis(Math.round(asyncRetryDelaySeconds * 1000)), defaults.throttleBaseDelay(),
                        defaults.throttleMaxDelay());
    }

    @Override
    public Integer call() throws Exception {
        ServerConfig.Auth mode = switch (auth.toLowerCase(java.util.Locale.ROOT)) {
            case "sigv4" -> ServerConfig.Auth.SIGV4;
            case "none" -> ServerConfig.Auth.NONE;
            default -> throw new IllegalArgumentException("--auth must be sigv4 or none, not " + auth);
        };
        if (idleTimeoutSeconds < 1) {
            throw new IllegalArgumentException("--idle-timeout must be at least 1 second");
        }
        WorkerConfig worker = WorkerConfig.defaults().withLifecycle(new LifecycleSettings(
                Duration.ofSeconds(idleTimeoutSeconds), LifecycleSettings.DEFAULTS.freezeAfterIdle(),
                LifecycleSettings.DEFAULTS.shutdownGrace()));
        if (sandboxMemoryMb != null) {
            worker = worker.withSandboxMemoryBytes(sandboxMemoryMb << 20);
        }
        if (sandboxPool < 0 || sandboxPool > 1000) {
            throw new IllegalArgumentException("--sandbox-pool must be 0 to 1000, not " + sandboxPool);
        }
        worker = worker.withSandboxPool(sandboxPool);
        ServerConfig config = new ServerConfig(dataDir, host, port, region, accountId, mode, Optional.ofNullable(credentials),
                accountConcurrency, worker, new ScalingRate(scalingStep, ScalingRate.LAMBDA.period()),
                events(), chunks()).withRegistries(insecureRegistries, Optional.ofNullable(registryCredentials))
                .withLayerCache(imageLayerCacheMb << 20);
        KindlingServer server = KindlingServer.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("shutdown").unstarted(() -> {
            try {
                server.close();
            } catch (Exception e) {
                spec.commandLine().getErr().println("kindling: shutdown: " + e);
                spec.commandLine().getErr().flush();
            } finally {
                stopped.countDown();
            }
        }));
        printHowToConnect(spec.commandLine().getOut(), server, config);
        server.join();
        stopped.await();
        return 0;
    }

    private static void printHowToConnect(java.io.PrintWriter out, KindlingServer server, ServerConfig config) {
        out.println("Kindling is serving the Lambda API at " + server.endpoint());
        server.credentials().generatedFile().ifPresent(file -> out.println("Generated an access key in " + file
                + " (mode 0600)."));
        if (config.auth() == ServerConfig.Auth.SIGV4 && config.credentialsFile().isEmpty()
                && System.getenv("KINDLING_ACCESS_KEY_ID") == null) {
            Path file = server.dataDir().resolve("credentials");
            out.println("Use it with the AWS CLI:");
            out.println("  export AWS_SHARED_CREDENTIALS_FILE=" + file + " AWS_PROFILE=kindling AWS_REGION=" + config.region()
                    + " AWS_DEFAULT_REGION=" + config.region());
            out.println("  aws lambda list-functions --endpoint-url " + server.endpoint());
        }
        out.flush();
    }
}
