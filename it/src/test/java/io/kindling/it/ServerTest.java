package io.kindling.it;

import io.kindling.server.WorkerConfig;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;
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

    /** On a test class: its server runs no worker (the control plane only; invokes are refused). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface WithoutWorker {}

    /**
     * On a test class: its server mounts code images at their first invoke, not while they activate, so the class can
     * change the chunk store after a deploy and see the mount find it.
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface WithoutMountAhead {}

    @BeforeAll
    static void startServer(TestInfo test) throws Exception {
        boolean withoutWorker = test.getTestClass().map(c -> c.isAnnotationPresent(WithoutWorker.class)).orElse(false);
        boolean withoutMountAhead = test.getTestClass().map(c -> c.isAnnotationPresent(WithoutMountAhead.class))
                .orElse(false);
        server = withoutWorker ? TestServer.start(dir, WorkerConfig::disabled)
                : withoutMountAhead ? TestServer.start(dir, WorkerConfig::withoutMountAhead) : TestServer.start(dir);
        lambda = server.client();
    }

    @AfterAll
    static void stopServer() throws Exception {
        lambda.close();
        server.close();
    }
}
