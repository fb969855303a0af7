package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kindling.counting.ScalingRate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

/**
 * The per-function scaling rate end to end, with Lambda's 1,000 per 10 s scaled down to 2 per minute: a third
 * concurrent invoke is refused at once with Reason FunctionInvocationRateLimitExceeded, while concurrency already
 * reached is reused freely and an Event waits for its turn instead of failing.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ThrottleTest {
    @RegisterExtension
    static final ServerExtension SERVER = new ServerExtension(s ->
            s.withScaling(new ScalingRate(2, Duration.ofMinutes(1))));

    static LambdaClient lambda() {
        return SERVER.lambda();
    }

    static KindlingCalls kindling() {
        return SERVER.kindling();
    }

    @Test
    void scalingPastTheRateIsRefusedAtOnceWhileAnEventWaits() throws Exception {
        AsyncBootstraps.deploy(lambda(), "bursty", 256, Map.of());

        List<Future<String>> slow = new ArrayList<>();
        String queued;
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 2; i++) {
                slow.add(callers.submit(() -> lambda().invoke(r -> r.functionName("bursty")
                        .payload(SdkBytes.fromUtf8String("{\"slow\":\"slow\"}"))).payload().asUtf8String()));
            }
            await().atMost(Duration.ofMinutes(1)).until(() -> kindling().startedRequestIds("bursty").size() == 2);

            assertThatThrownBy(() -> lambda().invoke(r -> r.functionName("bursty")))
                    .isInstanceOfSatisfying(TooManyRequestsException.class, e -> {
                        assertThat(e.reasonAsString()).isEqualTo("FunctionInvocationRateLimitExceeded");
                        assertThat(e.retryAfterSeconds()).isEqualTo("1");
                    });
            queued = lambda().invoke(r -> r.functionName("bursty").invocationType(InvocationType.EVENT)
                    .payload(SdkBytes.fromUtf8String("{\"queued\":1}"))).responseMetadata().requestId();
            for (Future<String> answer : slow) {
                assertThat(answer.get()).isEqualTo("{\"slow\":\"slow\"}");
            }
        }
        // The two slots reached are reused: no new scaling, no refusal.
        assertThat(lambda().invoke(r -> r.functionName("bursty").payload(SdkBytes.fromUtf8String("{}")))
                .statusCode()).isEqualTo(200);
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
                assertThat(kindling().startedRequestIds("bursty")).contains(queued));
    }
}
