package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.events.EventQueueConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;

/**
 * MaximumEventAgeInSeconds end to end. Its minimum is Lambda's 60 s, so the retry delay is set so that the second
 * retry would be due after the event's age limit: the event gives up after one retry, at about half a minute, with
 * condition EventAgeExceeded, and its record goes to the OnFailure destination.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AsyncEventAgeTest {
    /** Retry 1 after 31 s (age 31 s, within 60); retry 2 would be 62 s later (age 93 s, beyond). */
    static final Duration RETRY_BASE = Duration.ofSeconds(31);
    private static final String ARN_PREFIX = "arn:aws:lambda:us-east-1:" + TestServer.ACCOUNT + ":function:";

    @RegisterExtension
    static final ServerExtension SERVER = new ServerExtension(s -> s.withEvents(EventQueueConfig.defaults()
                .withDelays(RETRY_BASE, Duration.ofMillis(100), Duration.ofSeconds(1))));

    static LambdaClient lambda() {
        return SERVER.lambda();
    }

    static KindlingCalls kindling() {
        return SERVER.kindling();
    }

    @Test
    void anEventOlderThanItsMaximumAgeGoesToOnFailureAsEventAgeExceeded() throws Exception {
        for (String name : List.of("aging", "graveyard")) {
            AsyncBootstraps.deploy(lambda(), name, 256, Map.of("FAILING", name.equals("aging") ? "1" : "0"));
        }
        lambda().putFunctionEventInvokeConfig(r -> r.functionName("aging").maximumEventAgeInSeconds(60)
                .destinationConfig(d -> d.onFailure(f -> f.destination(ARN_PREFIX + "graveyard"))));

        String id = lambda().invoke(r -> r.functionName("aging").invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String("{\"ttl\":60}"))).responseMetadata().requestId();

        ObjectMapper json = new ObjectMapper();
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() ->
                kindling().logMessages("graveyard").stream().anyMatch(m -> m.startsWith("EVENT ")));
        List<JsonNode> records = new ArrayList<>();
        for (String message : kindling().logMessages("graveyard")) {
            if (message.startsWith("EVENT ")) {
                records.add(json.readTree(message.substring("EVENT ".length())));
            }
        }
        assertThat(records).hasSize(1);
        JsonNode record = records.get(0);
        assertThat(record.path("requestContext").path("requestId").asText()).isEqualTo(id);
        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("EventAgeExceeded");
        assertThat(record.path("requestContext").path("approximateInvokeCount").asInt()).isEqualTo(2);
        assertThat(record.path("responseContext").path("functionError").asText()).isEqualTo("Unhandled");
        assertThat(record.path("requestPayload").path("ttl").asInt()).isEqualTo(60);
        assertThat(kindling().startedRequestIds("aging")).containsExactly(id, id);
        assertThat(kindling().deadLetters("aging")).isEmpty();
    }
}
