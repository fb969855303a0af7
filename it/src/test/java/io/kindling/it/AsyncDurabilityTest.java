package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;

/**
 * Lambda's promise for Event invokes: once the caller has its 202, the event runs, even if the server is killed with
 * SIGKILL the moment after. The server runs as a child process; the function's log records every request id it ran.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class AsyncDurabilityTest {
    static final int EVENTS = 500;
    static final int KILL_AFTER = 250;
    /** A few warm environments deliver the stream faster than 64 cold ones fighting over two cores. */
    static final String[] DELIVERY = {"--async-parallelism", "8"};

    @TempDir
    Path dir;

    @Test
    void everyAcceptedEventRunsAfterAKill9DuringAStreamOfEvents() throws Exception {
        // Sandboxes run as their own uid and must pass through the test directory to reach the code.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicInteger refused = new AtomicInteger();
        try (ChildServer first = ChildServer.start(dir, "first", DELIVERY); LambdaClient lambda = first.client()) {
            AsyncBootstraps.deploy(lambda, "ledger", 512, Map.of());
            try (ExecutorService callers = Executors.newFixedThreadPool(16)) {
                for (int i = 0; i < EVENTS; i++) {
                    int n = i;
                    callers.submit(() -> {
                        try {
                            String id = lambda.invoke(r -> r.functionName("ledger")
                                    .invocationType(InvocationType.EVENT)
                                    .payload(SdkBytes.fromUtf8String("{\"n\":" + n + "}")))
                                    .responseMetadata().requestId();
                            accepted.add(id);
                            if (accepted.size() == KILL_AFTER) {
                                first.kill9();
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } catch (RuntimeException e) {
                            refused.incrementAndGet(); // the server is gone: no 202, no promise
                        }
                    });
                }
            }
        }
        assertThat(accepted.size()).isGreaterThanOrEqualTo(KILL_AFTER);
        assertThat(refused.get()).as("the kill came in the middle of the stream").isPositive();

        try (ChildServer second = ChildServer.start(dir, "second", DELIVERY)) {
            KindlingCalls kindling = new KindlingCalls(second.endpoint());
            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(new HashSet<>(kindling.startedRequestIds("ledger"))).containsAll(accepted));
        }
    }
}
