package io.kindling.it;

import io.kindling.counting.ScalingRate;
import io.kindling.events.EventQueueConfig;
import io.kindling.server.ChunkStoreConfig;
import io.kindling.server.KindlingServer;
import io.kindling.server.ServerConfig;
import io.kindling.server.WorkerConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;

/** A real Kindling server in this JVM on a free loopback port, with its own data directory and key. */
final class TestServer implements AutoCloseable {
    static final String ACCESS_KEY = "AKIAKINDLINGTEST0001";
    static final String SECRET_KEY = "kindling/test/secret/key/0123456789abcdef";
    static final String ACCOUNT = "123456789012";
    static final String REGION = "us-east-1";
    static final String ROLE = "arn:aws:iam::123456789012:role/kindling-test";

    final Path dataDir;
    final KindlingServer server;

    /** What every host object of this server's sandboxes is named after (netns, cgroup, scratch dir). */
    final String sandboxPrefix;

    private TestServer(Path dataDir, KindlingServer server, String sandboxPrefix) {
        this.dataDir = dataDir;
        this.server = server;
        this.sandboxPrefix = sandboxPrefix;
    }

    static TestServer start(Path dir) throws Exception {
        return start(dir, UnaryOperator.identity());
    }

    /**
     * A server whose sandboxes carry a prefix of their own (so its start-up clean-up never touches another server's)
     * and a sandbox memory cap of 8 GiB (64 sandboxes of 128 MB), changed by {@code worker}.
     */
    static TestServer start(Path dir, UnaryOperator<WorkerConfig> worker) throws Exception {
        return start(dir, worker, UnaryOperator.identity());
    }

    /** As {@link #start(Path, UnaryOperator)}, with the rest of the server's configuration changed by {@code server}. */
    static TestServer start(Path dir, UnaryOperator<WorkerConfig> worker, UnaryOperator<ServerConfig> server)
            throws Exception {
        Path credentials = writeCredentials(dir);
        // @TempDir is 0700; sandboxes, which run as their own uid, must pass through it to reach the code.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        String prefix = "kindling-it" + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36), 36);
        WorkerConfig workerConfig = worker.apply(WorkerConfig.defaults().withNamePrefix(prefix)
                .withSandboxMemoryBytes(8L << 30));
        ServerConfig config = new ServerConfig(dir.resolve("data"), "127.0.0.1", 0, REGION, ACCOUNT, ServerConfig.Auth.SIGV4,
                Optional.of(credentials), 1000, workerConfig, ScalingRate.LAMBDA, EventQueueConfig.defaults(),
                ChunkStoreConfig.defaults());
        config = server.apply(config);
        return new TestServer(config.dataDir(), KindlingServer.start(config), workerConfig.namePrefix());
    }

    static Path writeCredentials(Path dir) throws IOException {
        // Named and shaped like the file `kindling serve` generates, so `kindling --data-dir DIR` finds it.
        Path credentials = dir.resolve("credentials");
        if (!Files.exists(credentials)) {
            Files.writeString(credentials, "[kindling]\naws_access_key_id = " + ACCESS_KEY + "\naws_secret_access_key = "
                    + SECRET_KEY + "\n");
        }
        return credentials;
    }

    String endpoint() {
        return server.endpoint();
    }

    LambdaClient client() {
        return client(endpoint(), ACCESS_KEY, SECRET_KEY);
    }

    static LambdaClient client(String endpoint, String accessKey, String secretKey) {
        return LambdaClient.builder()
                .endpointOverride(URI.create(endpoint))
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofMinutes(2)).build())
                // Retries would hide the first answer; the tests check exactly what the server said.
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .retryStrategy(AwsRetryStrategy.doNotRetry()).build())
                .build();
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
