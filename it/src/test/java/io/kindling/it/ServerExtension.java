package io.kindling.it;

import io.kindling.server.ServerConfig;
import io.kindling.server.WorkerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * One real server for a test class that needs its own configuration (ServerTest's is the default one), in a
 * directory of its own, with an SDK client and Kindling's own API:
 * {@code @RegisterExtension static final ServerExtension SERVER = new ServerExtension(s -> s.withEvents(...));}
 */
final class ServerExtension implements BeforeAllCallback, AfterAllCallback {
    private final UnaryOperator<ServerConfig> config;
    private Path dir;
    private TestServer server;
    private LambdaClient lambda;
    private KindlingCalls kindling;

    ServerExtension(UnaryOperator<ServerConfig> config) {
        this.config = config;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("kindling-it-");
        server = TestServer.start(dir, UnaryOperator.<WorkerConfig>identity(), config);
        lambda = server.client();
        kindling = new KindlingCalls(server.endpoint());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            lambda.close();
            server.close();
        } finally {
            deleteRecursively(dir);
        }
    }

    Path dir() {
        return dir;
    }

    TestServer server() {
        return server;
    }

    LambdaClient lambda() {
        return lambda;
    }

    KindlingCalls kindling() {
        return kindling;
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
