package io.kindling.it;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * One real server per test class, in its own temporary directory, and an SDK client for it.
 * Test classes run one after another (no parallel classes), so these statics belong to one class at a time.
 */
abstract class ServerTest {
    @TempDir
    static Path dir;
    static TestServer server;
    static LambdaClient lambda;

    @BeforeAll
    static void startServer() throws Exception {
        server = TestServer.start(dir);
        lambda = server.client();
    }

    @AfterAll
    static void stopServer() throws Exception {
        lambda.close();
        server.close();
    }
}
