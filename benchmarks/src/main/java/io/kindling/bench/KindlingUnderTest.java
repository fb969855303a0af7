package io.kindling.bench;

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
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.CreateFunctionRequest;
import software.amazon.awssdk.services.lambda.model.LastUpdateStatus;
import software.amazon.awssdk.services.lambda.model.State;

/** The server and clients the benchmark drives: a real Kindling node in this JVM and the real AWS SDK client. */
final class KindlingUnderTest {
    static final String ACCESS_KEY = "AKIAKINDLINGBENCH001";
    static final String SECRET_KEY = "kindling/bench/secret/key/0123456789abcdef";
    static final String REGION = "us-east-1";
    static final String ACCOUNT = "123456789012";
    static final String ROLE = "arn:aws:iam::123456789012:role/kindling-bench";

    private KindlingUnderTest() {}

    /** An AWS-style credentials file holding the one key every server in the run accepts. */
    static Path writeCredentials(Path dir) throws IOException {
        Path file = dir.resolve("credentials");
        Files.writeString(file, "[kindling]\naws_access_key_id = " + ACCESS_KEY + "\naws_secret_access_key = " + SECRET_KEY
                + "\n");
        return file;
    }

    /** `kindling serve` defaults, except: a free loopback port, the bench's key, and the given auth. */
    static ServerConfig config(Path dataDir, Path credentials, ServerConfig.Auth auth) {
        return config(dataDir, credentials, auth, WorkerConfig.defaults().withNamePrefix("kindling-bench"));
    }

    static ServerConfig config(Path dataDir, Path credentials, ServerConfig.Auth auth, WorkerConfig worker) {
        return config(dataDir, credentials, auth, worker, ChunkStoreConfig.defaults());
    }

    static ServerConfig config(Path dataDir, Path credentials, ServerConfig.Auth auth, WorkerConfig worker,
                               ChunkStoreConfig chunkStore) {
        return new ServerConfig(dataDir, "127.0.0.1", 0, REGION, ACCOUNT, auth, Optional.of(credentials), 1000, worker,
                ScalingRate.LAMBDA, EventQueueConfig.defaults(), chunkStore);
    }

    static KindlingServer start(Path dataDir, Path credentials, ServerConfig.Auth auth) throws Exception {
        return KindlingServer.start(config(dataDir, credentials, auth));
    }

    /** A server whose worker runs with {@code worker} instead of the defaults (its own sandbox names, idle timeout). */
    static KindlingServer start(Path dataDir, Path credentials, ServerConfig.Auth auth, WorkerConfig worker)
            throws Exception {
        return KindlingServer.start(config(dataDir, credentials, auth, worker));
    }

    /** A server whose worker and chunk store run with their own settings instead of the defaults. */
    static KindlingServer start(Path dataDir, Path credentials, ServerConfig.Auth auth, WorkerConfig worker,
                                ChunkStoreConfig chunkStore) throws Exception {
        return KindlingServer.start(config(dataDir, credentials, auth, worker, chunkStore));
    }

    /**
     * The SDK client as an application would build it with the url-connection HTTP client, except
     * that retries are off: a retry would hide a failure and blur a latency figure.
     */
    static LambdaClient client(String endpoint, ExecutionInterceptor... interceptors) {
        return LambdaClient.builder()
                .endpointOverride(URI.create(endpoint))
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofMinutes(2)).build())
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .retryStrategy(AwsRetryStrategy.doNotRetry())
                        .executionInterceptors(List.of(interceptors))
                        .build())
                .build();
    }

    static CreateFunctionRequest createRequest(String name, byte[] zip) {
        return CreateFunctionRequest.builder()
                .functionName(name)
                .runtime(software.amazon.awssdk.services.lambda.model.Runtime.PROVIDED_AL2023)
                .handler("bootstrap")
                .role(ROLE)
                .code(c -> c.zipFile(SdkBytes.fromByteArrayUnsafe(zip)))
                .build();
    }

    /** A {@code provided.al2023} function with its own memory size; the handler is the package's {@code bootstrap}. */
    static CreateFunctionRequest createRequest(String name, byte[] zip, int memoryMb) {
        return createRequest(name, zip).toBuilder().memorySize(memoryMb).timeout(30).build();
    }

    /** A function of any runtime (e.g. {@code java21}) with its own handler and memory size. */
    static CreateFunctionRequest createRequest(String name, byte[] zip, int memoryMb, String runtime, String handler) {
        return createRequest(name, zip, memoryMb).toBuilder().runtime(runtime).handler(handler).build();
    }

    /** Polls GetFunctionConfiguration every {@code pollMillis} until the function is Active. */
    static void awaitActive(LambdaClient lambda, String name, long pollMillis) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            var configuration = lambda.getFunctionConfiguration(r -> r.functionName(name));
            if (configuration.state() == State.ACTIVE) {
                return;
            }
            if (configuration.state() == State.FAILED) {
                throw new IllegalStateException(name + " failed: " + configuration.stateReason());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " still " + configuration.state() + " after 2 minutes");
            }
            Thread.sleep(pollMillis);
        }
    }

    /** Polls GetFunctionConfiguration every {@code pollMillis} until the last code update has finished (invocable). */
    static void awaitUpdated(LambdaClient lambda, String name, long pollMillis) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            var configuration = lambda.getFunctionConfiguration(r -> r.functionName(name));
            if (configuration.lastUpdateStatus() == LastUpdateStatus.SUCCESSFUL) {
                return;
            }
            if (configuration.lastUpdateStatus() == LastUpdateStatus.FAILED) {
                throw new IllegalStateException(name + ": update failed: " + configuration.lastUpdateStatusReason());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " still " + configuration.lastUpdateStatus() + " after 2 minutes");
            }
            Thread.sleep(pollMillis);
        }
    }
}
