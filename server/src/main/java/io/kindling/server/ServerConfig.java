package io.kindling.server;

import io.kindling.counting.ScalingRate;
import io.kindling.events.EventQueueConfig;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How one Kindling node starts. Every field has the default {@code kindling serve} uses.
 *
 * @param dataDir            everything persistent: registry.db, code/, credentials, staging/ (default ./.kindling)
 * @param host               listen address (default 127.0.0.1: the API is for this machine unless asked otherwise)
 * @param port               listen port; 0 picks a free one (default 9070)
 * @param region             region in every ARN (default us-east-1)
 * @param accountId          12-digit account id in every ARN (default 000000000000)
 * @param auth               SIGV4 (default) or NONE for local experiments
 * @param credentialsFile    AWS-style credentials file with the access keys to accept; when absent the
 *                           KINDLING_ACCESS_KEY_ID / KINDLING_SECRET_ACCESS_KEY pair, else a generated key
 * @param accountConcurrency account concurrency limit (Lambda's default: 1000)
 * @param worker             how functions run: sandbox memory cap, environment lifecycle
 * @param scaling            how fast one function may add concurrency (Lambda's: 1,000 every 10 s)
 * @param events             the async queue: its bound, parallelism, retry and throttle delays
 * @param chunks             code images: the chunk salt's epoch, the worker's chunk cache, the unmount grace
 * @param registries         where container images are pulled from: plain-http registries, the credentials file
 */
public record ServerConfig(Path dataDir, String host, int port, String region, String accountId, Auth auth,
                           Optional<Path> credentialsFile, int accountConcurrency, WorkerConfig worker,
                           ScalingRate scaling, EventQueueConfig events, ChunkStoreConfig chunks,
                           ImageRegistries registries) {

    public static final int DEFAULT_PORT = 9070;

    public enum Auth { SIGV4, NONE }

    /** Without registry settings: anonymous pulls, plain http only on loopback. */
    public ServerConfig(Path dataDir, String host, int port, String region, String accountId, Auth auth,
                        Optional<Path> credentialsFile, int accountConcurrency, WorkerConfig worker,
                        ScalingRate scaling, EventQueueConfig events, ChunkStoreConfig chunks) {
        this(dataDir, host, port, region, accountId, auth, credentialsFile, accountConcurrency, worker, scaling, events,
                chunks, ImageRegistries.defaults());
    }

    public static ServerConfig defaults() {
        return new ServerConfig(Path.of(".kindling"), "127.0.0.1", DEFAULT_PORT, "us-east-1", "000000000000", Auth.SIGV4,
                Optional.empty(), 1000, WorkerConfig.defaults(), ScalingRate.LAMBDA, EventQueueConfig.defaults(),
                ChunkStoreConfig.defaults());
    }

    public ServerConfig withDataDir(Path dir) {
        return new ServerConfig(dir, host, port, region, accountId, auth, credentialsFile, accountConcurrency, worker, scaling, events, chunks, registries);
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(dataDir, host, newPort, region, accountId, auth, credentialsFile, accountConcurrency, worker, scaling, events, chunks, registries);
    }

    public ServerConfig withWorker(WorkerConfig newWorker) {
        return new ServerConfig(dataDir, host, port, region, accountId, auth, credentialsFile, accountConcurrency, newWorker, scaling, events, chunks, registries);
    }

    public ServerConfig withScaling(ScalingRate newScaling) {
        return new ServerConfig(dataDir, host, port, region, accountId, auth, credentialsFile, accountConcurrency, worker,
                newScaling, events, chunks, registries);
    }

    public ServerConfig withEvents(EventQueueConfig newEvents) {
        return new ServerConfig(dataDir, host, port, region, accountId, auth, credentialsFile, accountConcurrency, worker,
                scaling, newEvents, chunks, registries);
    }

    public ServerConfig withChunks(ChunkStoreConfig newChunks) {
        return new ServerConfig(dataDir, host, port, region, accountId, auth, credentialsFile, accountConcurrency, worker,
                scaling, events, newChunks, registries);
    }

    /**
     * @param insecureRegistries {@code host[:port]} of registries pulled over plain http (loopback always is)
     * @param registryCredentials Docker {@code config.json}-style registry credentials, mode 0600
     */
    public ServerConfig withRegistries(java.util.Set<String> insecureRegistries, Optional<Path> registryCredentials) {
        return new ServerConfig(dataDir, host, port, region, accountId, auth, credentialsFile, accountConcurrency, worker,
                scaling, events, chunks, new ImageRegistries(insecureRegistries, registryCredentials,
                registries.layerCacheBytes()));
    }

    /** @param bytes pulled layers kept between imports (0: none); see {@link ImageRegistries#layerCacheBytes()} */
    public ServerConfig withLayerCache(long bytes) {
        return new ServerConfig(dataDir, host, port, region, accountId, auth, credentialsFile, accountConcurrency, worker,
                scaling, events, chunks, new ImageRegistries(registries.insecureRegistries(), registries.credentialsFile(),
                bytes));
    }
}
