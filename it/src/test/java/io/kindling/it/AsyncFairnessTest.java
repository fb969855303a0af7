package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kindling.events.EventQueueConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;

/**
 * The noisy neighbour Lambda once had in its shared async queues: a function with thousands of failing events must
 * not hold back another function's single event by more than one scheduling round.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AsyncFairnessTest {
    static final int PARALLELISM = 4;
    static final int NOISY_EVENTS = 2000;

    @RegisterExtension
    static final ServerExtension SERVER = new ServerExtension(s -> s.withEvents(EventQueueConfig.defaults()
                .withParallelism(PARALLELISM)
                .withDelays(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(1))));

    static LambdaClient lambda() {
        return SERVER.lambda();
    }

    static KindlingCalls kindling() {
        return SERVER.kindling();
    }

    @Test
    void aQuietFunctionsEventRunsWithinOneRoundOfANoisyBacklog() throws Exception {
        for (String name : List.of("noisy", "quiet")) {
            AsyncBootstraps.deploy(lambda(), name, 1024, Map.of());
        }
        lambda().putFunctionEventInvokeConfig(r -> r.functionName("noisy").maximumRetryAttempts(1));
        AtomicInteger accepted = new AtomicInteger();
        try (ExecutorService callers = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < NOISY_EVENTS; i++) {
                callers.submit(() -> {
                    lambda().invoke(r -> r.functionName("noisy").invocationType(InvocationType.EVENT)
                            .payload(SdkBytes.fromUtf8String("{\"fail\":\"fail\"}")));
                    accepted.incrementAndGet();
                });
            }
        }
        assertThat(accepted).hasValue(NOISY_EVENTS);
        // The backlog is running: every slot is busy with the noisy function.
        await().atMost(Duration.ofMinutes(1)).until(() ->
                kindling().startedRequestIds("noisy").size() > 2 * PARALLELISM);
        int noisyBefore = kindling().startedRequestIds("noisy").size();

        String quiet = lambda().invoke(r -> r.functionName("quiet").invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String("{\"quiet\":1}"))).responseMetadata().requestId();

        await().atMost(Duration.ofMinutes(1)).until(() -> !kindling().startedRequestIds("quiet").isEmpty());
        int noisyAfter = kindling().startedRequestIds("noisy").size();
        assertThat(kindling().startedRequestIds("quiet")).containsExactly(quiet);
        // One round: the quiet event takes the next free slot. The noisy starts counted in between are those already
        // running or starting when the quiet event arrived (at most one per slot) plus log reading's own lag.
        assertThat(noisyAfter - noisyBefore).as("noisy invocations started while the quiet event waited")
                .isLessThanOrEqualTo(3 * PARALLELISM);
        JsonNode noisyQueue = queue("noisy");
        assertThat(noisyQueue.path("Depth").asLong()).as("the backlog is still there: fairness, not luck")
                .isGreaterThan(100);
    }

    private static JsonNode queue(String function) throws Exception {
        List<JsonNode> matching = new ArrayList<>();
        kindling().queues().forEach(q -> {
            if (q.path("FunctionName").asText().equals(function)) {
                matching.add(q);
            }
        });
        assertThat(matching).hasSize(1);
        return matching.get(0);
    }
}
