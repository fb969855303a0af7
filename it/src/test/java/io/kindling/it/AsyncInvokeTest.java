package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.events.EventQueueConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
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
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

/**
 * Lambda's asynchronous path through the real server: Event invokes stored and answered 202, delivered through real
 * sandboxes, retried, dead-lettered, replayed, and handed to destinations as Lambda's invocation record; concurrency
 * limits answered 429 with their Reason. Delays are shortened (retry base 200 ms) so Lambda's 1 and 2 minutes take
 * 200 and 400 ms.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AsyncInvokeTest {
    static final Duration RETRY_BASE = Duration.ofMillis(200);
    private static final String ARN_PREFIX = "arn:aws:lambda:us-east-1:" + TestServer.ACCOUNT + ":function:";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final ServerExtension SERVER = new ServerExtension(s -> s.withEvents(EventQueueConfig.defaults()
                .withDelays(RETRY_BASE, Duration.ofMillis(100), Duration.ofSeconds(1))));

    static LambdaClient lambda() {
        return SERVER.lambda();
    }

    static KindlingCalls kindling() {
        return SERVER.kindling();
    }

    static void deploy(String name, Map<String, String> env) {
        AsyncBootstraps.deploy(lambda(), name, 512, env);
    }

    static String event(String function, String json) {
        InvokeResponse response = lambda().invoke(r -> r.functionName(function).invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String(json)));
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.payload().asByteArray()).isEmpty();
        return response.responseMetadata().requestId();
    }

    /** The events the function logged, parsed, in the order they ran. */
    static List<JsonNode> loggedEvents(String function) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        for (String message : kindling().logMessages(function)) {
            if (message.startsWith("EVENT ")) {
                events.add(JSON.readTree(message.substring("EVENT ".length())));
            }
        }
        return events;
    }

    static void awaitQueueDrained(String function) {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            for (JsonNode queue : kindling().queues()) {
                if (queue.path("FunctionName").asText().equals(function)) {
                    assertThat(queue.path("Depth").asLong() + queue.path("InFlight").asLong()).isZero();
                }
            }
        });
    }

    @Test
    void anEventIsAnswered202AndRunsWithTheRequestIdTheCallerGot() throws Exception {
        deploy("async-echo", Map.of());

        String id = event("async-echo", "{\"hello\":\"async\"}");

        awaitQueueDrained("async-echo");
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(loggedEvents("async-echo"))
                .extracting(e -> e.path("hello").asText()).containsExactly("async"));
        assertThat(kindling().startedRequestIds("async-echo")).containsExactly(id);
        assertThat(kindling().deadLetters("async-echo")).isEmpty();
    }

    @Test
    void theLegacyInvokeAsyncRouteQueuesToo() throws Exception {
        deploy("legacy", Map.of());
        Path args = Files.writeString(SERVER.dir().resolve("invoke-async.json"), "{\"route\":\"invoke-async\"}");

        // The SDK v2 dropped InvokeAsync; the AWS CLI still has it.
        JsonNode answer = AwsCli.forServer(AwsCli.DEBIAN_CLI_V2.toString(), SERVER.server(), SERVER.dir())
                .json("invoke-async", "--function-name", "legacy", "--invoke-args", args.toString());

        assertThat(answer.path("Status").asInt()).isEqualTo(202);
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(loggedEvents("legacy"))
                .extracting(e -> e.path("route").asText()).containsExactly("invoke-async"));
    }

    @Test
    void anEventIsCheckedAsLambdaChecksItBeforeTheAnswer() {
        deploy("strict-async", Map.of());
        String tooBig = "\"" + "a".repeat(1_048_576) + "\"";

        assertThatThrownBy(() -> event("strict-async", tooBig)).isInstanceOfSatisfying(LambdaException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(413);
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("RequestEntityTooLargeException");
            assertThat(e.awsErrorDetails().errorMessage()).isEqualTo(
                    "1048578 byte payload is too large for the Event invocation type (limit 1048576 bytes)");
        });
        assertThatThrownBy(() -> event("strict-async", "not json")).isInstanceOfSatisfying(LambdaException.class,
                e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidRequestContentException"));
        assertThatThrownBy(() -> event("no-such-function", "{}")).isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void aFailingEventIsRetriedTwiceWithGrowingDelaysThenDeadLetteredAndReplayedOnceFixed() throws Exception {
        deploy("flaky", Map.of("FAILING", "1"));

        String id = event("flaky", "{\"order\":42}");

        await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
                assertThat(kindling().deadLetters("flaky")).hasSize(1));
        JsonNode dead = kindling().deadLetters("flaky").get(0);
        assertThat(dead.path("Id").asText()).isEqualTo(id);
        assertThat(dead.path("Condition").asText()).isEqualTo("RetriesExhausted");
        assertThat(dead.path("Attempts").asInt()).isEqualTo(3);
        assertThat(dead.path("Qualifier").asText()).isEqualTo("$LATEST");
        assertThat(JSON.readTree(dead.path("Payload").asText()).path("order").asInt()).isEqualTo(42);
        assertThat(dead.path("ErrorType").asText()).isNotBlank();
        assertThat(kindling().startedRequestIds("flaky")).containsExactly(id, id, id);
        // Retry n waits n × the base delay after the failure before it (Lambda: about 1 min, then 2 min).
        List<Instant> starts = startTimes("flaky");
        assertThat(Duration.between(starts.get(0), starts.get(1))).isGreaterThanOrEqualTo(RETRY_BASE);
        assertThat(Duration.between(starts.get(1), starts.get(2))).isGreaterThanOrEqualTo(RETRY_BASE.multipliedBy(2));

        lambda().updateFunctionConfiguration(r -> r.functionName("flaky").environment(e -> e.variables(
                Map.of("FAILING", "0"))));
        lambda().waiter().waitUntilFunctionUpdatedV2(r -> r.functionName("flaky"));
        assertThat(kindling().replay("flaky", id)).isEqualTo(1);

        awaitQueueDrained("flaky");
        assertThat(kindling().deadLetters("flaky")).isEmpty();
        assertThat(kindling().startedRequestIds("flaky")).hasSize(4);
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(loggedEvents("flaky")).hasSize(4)
                .allSatisfy(e -> assertThat(e.path("order").asInt()).isEqualTo(42)));
    }

    private static List<Instant> startTimes(String function) throws Exception {
        JsonNode page = kindling().get("/kindling/2026-11-27/functions/" + function + "/logs?tail=10000");
        List<Instant> starts = new ArrayList<>();
        page.path("Events").forEach(e -> {
            if (e.path("Message").asText().startsWith("START ")) {
                starts.add(Instant.ofEpochMilli(e.path("Timestamp").asLong()));
            }
        });
        return starts;
    }

    @Test
    void theEventInvokeConfigSetsTheRetriesAndDestinationsGetLambdasInvocationRecord() throws Exception {
        deploy("worker", Map.of());
        deploy("recorder", Map.of());
        lambda().putFunctionEventInvokeConfig(r -> r.functionName("worker").maximumRetryAttempts(1)
                .destinationConfig(d -> d.onSuccess(s -> s.destination(ARN_PREFIX + "recorder"))
                        .onFailure(f -> f.destination(ARN_PREFIX + "recorder"))));

        String ok = event("worker", "{\"job\":\"ok\"}");
        String failed = event("worker", "{\"job\":\"fail\"}");

        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(loggedEvents("recorder")).hasSize(2));
        List<JsonNode> records = loggedEvents("recorder");
        JsonNode success = records.stream().filter(r -> r.path("requestContext").path("requestId").asText().equals(ok))
                .findFirst().orElseThrow();
        JsonNode failure = records.stream().filter(r -> r.path("requestContext").path("requestId").asText()
                .equals(failed)).findFirst().orElseThrow();

        assertThat(success.path("version").asText()).isEqualTo("1.0");
        assertThat(Instant.parse(success.path("timestamp").asText())).isBefore(Instant.now());
        assertThat(success.path("requestContext").path("functionArn").asText())
                .isEqualTo(ARN_PREFIX + "worker:$LATEST");
        assertThat(success.path("requestContext").path("condition").asText()).isEqualTo("Success");
        assertThat(success.path("requestContext").path("approximateInvokeCount").asInt()).isEqualTo(1);
        assertThat(success.path("requestPayload")).isEqualTo(JSON.readTree("{\"job\":\"ok\"}"));
        assertThat(success.path("responseContext").path("statusCode").asInt()).isEqualTo(200);
        assertThat(success.path("responseContext").path("executedVersion").asText()).isEqualTo("$LATEST");
        assertThat(success.path("responseContext").has("functionError")).isFalse();
        assertThat(success.path("responsePayload")).isEqualTo(JSON.readTree("{\"job\":\"ok\"}"));

        assertThat(failure.path("requestContext").path("condition").asText()).isEqualTo("RetriesExhausted");
        assertThat(failure.path("requestContext").path("approximateInvokeCount").asInt()).isEqualTo(2);
        assertThat(failure.path("requestPayload")).isEqualTo(JSON.readTree("{\"job\":\"fail\"}"));
        assertThat(failure.path("responseContext").path("statusCode").asInt()).isEqualTo(200);
        assertThat(failure.path("responseContext").path("functionError").asText()).isEqualTo("Unhandled");
        assertThat(failure.path("responsePayload").path("errorMessage").asText()).isEqualTo("it failed on purpose");
        assertThat(kindling().startedRequestIds("worker")).containsOnly(ok, failed)
                .filteredOn(failed::equals).hasSize(2);
        assertThat(kindling().deadLetters("worker")).as("an OnFailure destination replaces the dead letter").isEmpty();
    }

    @Test
    void reservedConcurrencyZeroThrottlesSyncInvokesAndDeadLettersEventsWithoutRunningThem() throws Exception {
        deploy("switched-off", Map.of());
        lambda().putFunctionConcurrency(r -> r.functionName("switched-off").reservedConcurrentExecutions(0));

        assertThatThrownBy(() -> lambda().invoke(r -> r.functionName("switched-off")))
                .isInstanceOfSatisfying(TooManyRequestsException.class, e -> {
                    assertThat(e.reasonAsString()).isEqualTo("ReservedFunctionConcurrentInvocationLimitExceeded");
                    assertThat(e.retryAfterSeconds()).isEqualTo("1");
                });
        String id = event("switched-off", "{\"n\":1}");

        await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
                assertThat(kindling().deadLetters("switched-off")).hasSize(1));
        JsonNode dead = kindling().deadLetters("switched-off").get(0);
        assertThat(dead.path("Id").asText()).isEqualTo(id);
        assertThat(dead.path("Attempts").asInt()).isZero();
        assertThat(kindling().startedRequestIds("switched-off")).isEmpty();

        lambda().deleteFunctionConcurrency(r -> r.functionName("switched-off"));
        assertThat(kindling().replay("switched-off", null)).isEqualTo(1);
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
                assertThat(kindling().startedRequestIds("switched-off")).containsExactly(id));
    }

    @Test
    void aSyncInvokeOverTheReservationIsRefusedAtOnceWhileAnEventWaitsItsTurn() throws Exception {
        deploy("single", Map.of());
        lambda().putFunctionConcurrency(r -> r.functionName("single").reservedConcurrentExecutions(1));

        List<String> answers = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> slow = callers.submit(() -> answers.add(lambda().invoke(r -> r.functionName("single")
                    .payload(SdkBytes.fromUtf8String("{\"slow\":\"slow\"}"))).payload().asUtf8String()));
            await().atMost(Duration.ofMinutes(1)).until(() -> kindling().startedRequestIds("single").size() == 1);

            assertThatThrownBy(() -> lambda().invoke(r -> r.functionName("single")))
                    .isInstanceOfSatisfying(TooManyRequestsException.class, e -> assertThat(e.reasonAsString())
                            .isEqualTo("ReservedFunctionConcurrentInvocationLimitExceeded"));
            String queued = event("single", "{\"after\":\"the slow one\"}");
            slow.get();
            await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
                    assertThat(kindling().startedRequestIds("single")).hasSize(2).endsWith(queued));
        }
        assertThat(answers).containsExactly("{\"slow\":\"slow\"}");
        assertThat(kindling().deadLetters("single")).isEmpty();
    }

    @Test
    void deletingAFunctionDropsItsQueueAndDeadLetters() throws Exception {
        deploy("doomed", Map.of());
        lambda().putFunctionConcurrency(r -> r.functionName("doomed").reservedConcurrentExecutions(0));
        event("doomed", "{}");
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
                assertThat(kindling().deadLetters("doomed")).hasSize(1));

        lambda().deleteFunction(r -> r.functionName("doomed"));

        assertThat(kindling().queues()).noneMatch(q -> q.path("FunctionName").asText().equals("doomed"));
        deploy("doomed", Map.of());
        assertThat(kindling().deadLetters("doomed")).isEmpty();
    }
}
