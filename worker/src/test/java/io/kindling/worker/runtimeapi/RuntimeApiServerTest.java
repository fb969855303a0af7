package io.kindling.worker.runtimeapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A real RuntimeApiServer on loopback ports, driven by java.net.http acting as the runtime. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RuntimeApiServerTest {
    private static final ObjectMapper json = new ObjectMapper();
    private static RuntimeApiServer server;

    private RecordingListener events;
    private RuntimeApiChannel channel;
    private RuntimeApiAttachment attachment;
    private FakeRuntime runtime;

    @BeforeAll
    static void startServer() throws Exception {
        server = RuntimeApiServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void attachAnEnvironment() throws IOException {
        events = new RecordingListener();
        channel = new RuntimeApiChannel("sandbox-a", events);
        attachment = server.attach(loopbackListener(), channel);
        runtime = new FakeRuntime(attachment.localPort());
    }

    @AfterEach
    void detach() {
        // Attachment first: HttpClient.close() waits for a parked /next, which only the close answers.
        attachment.close();
        runtime.close();
    }

    /** What a sandbox does inside its namespace, on a free loopback port instead of 9001. */
    static ServerSocketChannel loopbackListener() throws IOException {
        return ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(10, TimeUnit.SECONDS);
    }

    private static JsonNode body(HttpResponse<String> response) throws IOException {
        return json.readTree(response.body());
    }

    /** An invocation the runtime holds: what its /next returned, and the worker's future for the answer. */
    private record Taken(HttpResponse<byte[]> next, CompletableFuture<RuntimeOutcome> outcome) {}

    /** The runtime takes one invocation: GET /next parks, the worker delivers, /next returns it. */
    private Taken take(InvocationRequest invocation) throws Exception {
        CompletableFuture<HttpResponse<byte[]>> next = runtime.next();
        events.awaitAskedForNext();
        CompletableFuture<RuntimeOutcome> outcome = channel.deliver(invocation);
        return new Taken(await(next), outcome);
    }

    @Test
    void nextWaitsUntilAnInvocationIsDelivered() throws Exception {
        CompletableFuture<HttpResponse<byte[]>> next = runtime.next();
        events.awaitAskedForNext();
        assertThat(next).as("the long poll is parked while nothing is delivered").isNotDone();

        InvocationRequest invocation = Invocations.of("{\"hello\":\"world\"}");
        CompletableFuture<RuntimeOutcome> outcome = channel.deliver(invocation);

        HttpResponse<byte[]> handedOver = await(next);
        assertThat(handedOver.statusCode()).isEqualTo(200);
        assertThat(handedOver.body()).isEqualTo(invocation.payload());
        assertThat(outcome).isNotDone();
    }

    @Test
    void aParkedPollIsNeverTimedOut() throws Exception {
        CompletableFuture<HttpResponse<byte[]>> parked = runtime.next();
        events.awaitAskedForNext();

        // Jetty's default would drop the connection after 30 s idle; the runtime may wait in /next for hours.
        assertThat(attachment.endPoints()).isNotEmpty()
                .allSatisfy(endPoint -> assertThat(endPoint.getIdleTimeout()).isLessThanOrEqualTo(0));
        assertThat(parked).isNotDone();
    }

    @Test
    void nextCarriesEveryHeaderTheRuntimeClientsRead() throws Exception {
        String clientContext = "{\"client\":{\"app_title\":\"Zoë ✓\"},\n \"custom\":{\"k\":\"v\"}}";
        String cognito = "{\"cognitoIdentityId\":\"us-east-1:abc\",\"cognitoIdentityPoolId\":\"us-east-1:pool\"}";
        InvocationRequest invocation = Invocations.withContext("{}", clientContext, cognito);

        HttpResponse<byte[]> next = take(invocation).next();

        var headers = next.headers();
        assertThat(headers.firstValue("Lambda-Runtime-Aws-Request-Id")).contains(invocation.requestId());
        assertThat(headers.firstValue("Lambda-Runtime-Deadline-Ms")).contains(Long.toString(Invocations.DEADLINE));
        assertThat(headers.firstValue("Lambda-Runtime-Invoked-Function-Arn")).contains(Invocations.ARN);
        assertThat(headers.firstValue("Lambda-Runtime-Trace-Id")).contains(invocation.traceId());
        assertThat(headers.firstValue("Content-Type")).contains("application/json");
        assertThat(headers.firstValue("Lambda-Runtime-Cognito-Identity")).contains(cognito);
        // java.net.http reads header bytes as ISO-8859-1; the bytes on the wire are the JSON's UTF-8, on one line.
        String contextOnTheWire = new String(headers.firstValue("Lambda-Runtime-Client-Context").orElseThrow()
                .getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        assertThat(contextOnTheWire).isEqualTo(clientContext.replace('\n', ' '));
        assertThat(json.readTree(contextOnTheWire)).isEqualTo(json.readTree(clientContext));
    }

    @Test
    void optionalHeadersAreAbsentWhenTheInvocationHasNone() throws Exception {
        HttpResponse<byte[]> next = take(Invocations.of("{}")).next();

        assertThat(next.headers().firstValue("Lambda-Runtime-Client-Context")).isEmpty();
        assertThat(next.headers().firstValue("Lambda-Runtime-Cognito-Identity")).isEmpty();
        assertThat(next.headers().firstValue("Lambda-Runtime-Trace-Id")).isPresent();
    }

    @Test
    void aResponseCompletesTheInvocationWithItsBytes() throws Exception {
        InvocationRequest invocation = Invocations.of("{\"n\":1}");
        CompletableFuture<RuntimeOutcome> outcome = take(invocation).outcome();

        byte[] result = {'"', 0, 1, (byte) 0xff, '"'};
        HttpResponse<String> answer = runtime.respond(invocation.requestId(), result);

        assertThat(answer.statusCode()).isEqualTo(202);
        assertThat(body(answer)).isEqualTo(json.readTree("{\"status\":\"OK\"}"));
        RuntimeOutcome.Response response = (RuntimeOutcome.Response) await(outcome);
        assertThat(response.body()).isEqualTo(result);
        RecordingListener.Event.Outcome told = events.next(RecordingListener.Event.Outcome.class);
        assertThat(told.request()).isSameAs(invocation);
        assertThat(told.outcome()).isSameAs(response);
    }

    @Test
    void anErrorWithAJsonBodyReachesTheCallerAsPosted() throws Exception {
        InvocationRequest invocation = Invocations.of("{}");
        CompletableFuture<RuntimeOutcome> outcome = take(invocation).outcome();
        String report = "{\"errorMessage\":\"bad input\",\"errorType\":\"ValueError\",\"stackTrace\":[\"at handler\"]}";

        HttpResponse<String> answer = runtime.error(invocation.requestId(), "Function.ValueError", report);

        assertThat(answer.statusCode()).isEqualTo(202);
        RuntimeOutcome.FunctionError error = (RuntimeOutcome.FunctionError) await(outcome);
        assertThat(error.errorType()).isEqualTo("Function.ValueError");
        assertThat(new String(error.body(), StandardCharsets.UTF_8)).isEqualTo(report);
    }

    @Test
    void anErrorWhoseBodyIsNotJsonIsBuiltFromTheHeader() throws Exception {
        InvocationRequest invocation = Invocations.of("{}");
        CompletableFuture<RuntimeOutcome> outcome = take(invocation).outcome();

        HttpResponse<String> answer = runtime.error(invocation.requestId(), "Custom.Boom", "it broke\n");

        assertThat(answer.statusCode()).isEqualTo(202);
        RuntimeOutcome.FunctionError error = (RuntimeOutcome.FunctionError) await(outcome);
        assertThat(error.errorType()).isEqualTo("Custom.Boom");
        assertThat(json.readTree(error.body()))
                .isEqualTo(json.readTree("{\"errorMessage\":\"it broke\",\"errorType\":\"Custom.Boom\"}"));
    }

    @Test
    void anInitErrorBeforeTheFirstDeliveryAnswersThatDelivery() throws Exception {
        HttpResponse<String> answer = runtime.initError("Runtime.ImportModuleError",
                "{\"errorMessage\":\"Unable to import module 'app'\",\"errorType\":\"Runtime.ImportModuleError\"}");

        assertThat(answer.statusCode()).isEqualTo(202);
        RuntimeOutcome.InitError told = events.next(RecordingListener.Event.InitError.class).error();
        assertThat(told.errorType()).isEqualTo("Runtime.ImportModuleError");
        CompletableFuture<RuntimeOutcome> outcome = channel.deliver(Invocations.of("{}"));
        assertThat(outcome).isCompletedWithValue(told);
    }

    @Test
    void anInitErrorWhileTheFirstDeliveryWaitsAnswersIt() throws Exception {
        CompletableFuture<RuntimeOutcome> outcome = channel.deliver(Invocations.of("{}"));

        HttpResponse<String> answer = runtime.initError("Runtime.ExitError", "exit status 1");

        assertThat(answer.statusCode()).isEqualTo(202);
        RuntimeOutcome.InitError error = (RuntimeOutcome.InitError) await(outcome);
        assertThat(error.errorType()).isEqualTo("Runtime.ExitError");
        assertThat(json.readTree(error.body()))
                .isEqualTo(json.readTree("{\"errorMessage\":\"exit status 1\",\"errorType\":\"Runtime.ExitError\"}"));
    }

    @Test
    void anInitErrorAfterInitFinishedIsRefused() throws Exception {
        InvocationRequest invocation = Invocations.of("{}");
        CompletableFuture<RuntimeOutcome> outcome = take(invocation).outcome();

        HttpResponse<String> answer = runtime.initError("Runtime.Late", "{}");

        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(body(answer).get("errorType").asText()).isEqualTo("InvalidStateTransition");
        assertThat(outcome).isNotDone();
    }

    @Test
    void aSecondAnswerForOneInvocationIsRefused() throws Exception {
        InvocationRequest invocation = Invocations.of("{}");
        CompletableFuture<RuntimeOutcome> outcome = take(invocation).outcome();
        assertThat(runtime.respond(invocation.requestId(), "1").statusCode()).isEqualTo(202);

        HttpResponse<String> again = runtime.respond(invocation.requestId(), "2");
        HttpResponse<String> errorAfter = runtime.error(invocation.requestId(), "Late", "{}");

        assertThat(again.statusCode()).isEqualTo(403);
        assertThat(body(again).get("errorType").asText()).isEqualTo("InvalidStateTransition");
        assertThat(errorAfter.statusCode()).isEqualTo(403);
        assertThat(((RuntimeOutcome.Response) await(outcome)).body()).isEqualTo("1".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anUnknownRequestIdIsRefused() throws Exception {
        InvocationRequest invocation = Invocations.of("{}");
        CompletableFuture<RuntimeOutcome> outcome = take(invocation).outcome();

        HttpResponse<String> answer = runtime.respond("00000000-0000-0000-0000-000000000000", "{}");

        assertThat(answer.statusCode()).isEqualTo(400);
        JsonNode error = body(answer);
        assertThat(error.get("errorType").asText()).isEqualTo("InvalidRequestID");
        assertThat(error.get("errorMessage").asText()).contains("00000000-0000-0000-0000-000000000000");
        assertThat(outcome).isNotDone();
    }

    @Test
    void aResponseOverTheLimitGets413AndTheCallerGetsResponseTooLarge() throws Exception {
        InvocationRequest invocation = Invocations.of("{}");
        CompletableFuture<RuntimeOutcome> outcome = take(invocation).outcome();

        HttpResponse<String> answer = runtime.respond(invocation.requestId(), new byte[RuntimeOutcome.MAX_RESPONSE_BYTES + 1]);

        assertThat(answer.statusCode()).isEqualTo(413);
        assertThat(body(answer).get("errorType").asText()).isEqualTo("RequestEntityTooLarge");
        RuntimeOutcome.ResponseTooLarge tooLarge = (RuntimeOutcome.ResponseTooLarge) await(outcome);
        assertThat(json.readTree(tooLarge.callerBody())).isEqualTo(json.readTree(
                "{\"errorType\":\"Function.ResponseSizeTooLarge\",\"errorMessage\":"
                        + "\"Response payload size exceeded maximum allowed payload size (6291556 bytes).\"}"));
        // The connection is still good for the runtime's next poll.
        CompletableFuture<HttpResponse<byte[]>> next = runtime.next();
        events.next(RecordingListener.Event.Outcome.class);
        events.awaitAskedForNext();
        assertThat(next).isNotDone();
    }

    @Test
    void aResponseOfExactlyTheLimitIsAccepted() throws Exception {
        InvocationRequest invocation = Invocations.of("{}");
        CompletableFuture<RuntimeOutcome> outcome = take(invocation).outcome();
        byte[] largest = new byte[RuntimeOutcome.MAX_RESPONSE_BYTES];
        Arrays.fill(largest, (byte) 'x');

        HttpResponse<String> answer = runtime.respond(invocation.requestId(), largest);

        assertThat(answer.statusCode()).isEqualTo(202);
        assertThat(((RuntimeOutcome.Response) await(outcome)).body()).isEqualTo(largest);
    }

    @Test
    void askingForTheNextInvocationBeforeAnsweringIsRefused() throws Exception {
        InvocationRequest invocation = Invocations.of("{}");
        take(invocation);

        HttpResponse<byte[]> again = await(runtime.next());

        assertThat(again.statusCode()).isEqualTo(403);
        assertThat(json.readTree(again.body()).get("errorType").asText()).isEqualTo("InvalidStateTransition");
    }

    @Test
    void closingTheChannelFailsTheRunningInvocation() throws Exception {
        InvocationRequest invocation = Invocations.of("{}");
        CompletableFuture<RuntimeOutcome> outcome = take(invocation).outcome();

        channel.close();

        assertThatThrownBy(() -> await(outcome)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(RuntimeApiException.EnvironmentClosed.class);
        assertThat(runtime.respond(invocation.requestId(), "late").statusCode()).isEqualTo(500);
        assertThat(channel.deliver(Invocations.of("{}"))).isCompletedExceptionally();
    }

    @Test
    void closingTheChannelAnswersAParkedPollWith500() throws Exception {
        CompletableFuture<HttpResponse<byte[]>> parked = runtime.next();
        events.awaitAskedForNext();

        channel.close();

        HttpResponse<byte[]> answer = await(parked);
        assertThat(answer.statusCode()).isEqualTo(500);
        assertThat(json.readTree(answer.body()).get("errorType").asText()).isEqualTo("Runtime.EnvironmentClosed");
    }

    @Test
    void closingTheAttachmentClosesTheChannelTheListenerAndTheConnections() throws Exception {
        CompletableFuture<RuntimeOutcome> outcome = channel.deliver(Invocations.of("{}"));
        HttpResponse<byte[]> taken = await(runtime.next());
        assertThat(taken.statusCode()).isEqualTo(200);
        assertThat(server.attachments()).contains(attachment);

        attachment.close();

        assertThat(channel.isClosed()).isTrue();
        assertThatThrownBy(() -> await(outcome)).hasCauseInstanceOf(RuntimeApiException.EnvironmentClosed.class);
        assertThat(server.attachments()).doesNotContain(attachment);
        // Nothing accepts on that port any more: the connect is refused, or reset once the socket is released.
        assertThatThrownBy(() -> runtime.send("GET", "/ping")).isInstanceOf(IOException.class);
    }

    @Test
    void twoEnvironmentsNeverSeeEachOthersInvocations() throws Exception {
        RecordingListener otherEvents = new RecordingListener();
        RuntimeApiChannel otherChannel = new RuntimeApiChannel("sandbox-b", otherEvents);
        try (RuntimeApiAttachment other = server.attach(loopbackListener(), otherChannel);
             FakeRuntime otherRuntime = new FakeRuntime(other.localPort())) {
            CompletableFuture<HttpResponse<byte[]>> nextA = runtime.next();
            CompletableFuture<HttpResponse<byte[]>> nextB = otherRuntime.next();
            events.awaitAskedForNext();
            otherEvents.awaitAskedForNext();

            InvocationRequest forA = Invocations.of("{\"for\":\"a\"}");
            CompletableFuture<RuntimeOutcome> outcomeA = channel.deliver(forA);
            assertThat(await(nextA).body()).isEqualTo(forA.payload());
            assertThat(nextB).as("B's runtime is still waiting").isNotDone();

            HttpResponse<String> crossed = otherRuntime.respond(forA.requestId(), "from b");
            assertThat(crossed.statusCode()).as("A's request id means nothing on B's port").isEqualTo(400);
            assertThat(outcomeA).isNotDone();

            InvocationRequest forB = Invocations.of("{\"for\":\"b\"}");
            CompletableFuture<RuntimeOutcome> outcomeB = otherChannel.deliver(forB);
            HttpResponse<byte[]> handedToB = await(nextB);
            assertThat(handedToB.body()).isEqualTo(forB.payload());
            assertThat(handedToB.headers().firstValue("Lambda-Runtime-Aws-Request-Id")).contains(forB.requestId());

            assertThat(runtime.respond(forA.requestId(), "a").statusCode()).isEqualTo(202);
            assertThat(otherRuntime.respond(forB.requestId(), "b").statusCode()).isEqualTo(202);
            assertThat(((RuntimeOutcome.Response) await(outcomeA)).body()).isEqualTo("a".getBytes(StandardCharsets.UTF_8));
            assertThat(((RuntimeOutcome.Response) await(outcomeB)).body()).isEqualTo("b".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aThousandSequentialInvocationsCompleteInOrder() throws Exception {
        int invocations = 1_000;
        // The runtime: a warm loop that echoes each event with its request id, on its own virtual thread.
        CompletableFuture<Void> loop = CompletableFuture.runAsync(() -> {
            try {
                while (true) {
                    HttpResponse<byte[]> next = runtime.next().join();
                    if (next.statusCode() != 200) {
                        return;
                    }
                    String id = next.headers().firstValue("Lambda-Runtime-Aws-Request-Id").orElseThrow();
                    runtime.respond(id, id + ":" + new String(next.body(), StandardCharsets.UTF_8));
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, runnable -> Thread.ofVirtual().start(runnable));

        List<String> answers = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < invocations; i++) {
            InvocationRequest invocation = Invocations.of(Integer.toString(i));
            RuntimeOutcome outcome = await(channel.deliver(invocation));
            answers.add(new String(((RuntimeOutcome.Response) outcome).body(), StandardCharsets.UTF_8));
            expected.add(invocation.requestId() + ":" + i);
        }

        assertThat(answers).containsExactlyElementsOf(expected);
        channel.close();
        await(loop);
    }

    @Test
    void unknownPathsAndMethodsGetClearAnswers() throws Exception {
        HttpResponse<String> unknown = runtime.send("GET", "/runtime/invocation/next/extra");
        HttpResponse<String> otherVersion = runtime.send("GET", "/../2020-01-01/extension/event/next");
        HttpResponse<String> wrongMethod = runtime.send("POST", "/runtime/invocation/next");
        HttpResponse<String> getResponse = runtime.send("GET", "/runtime/invocation/abc/response");
        HttpResponse<String> restore = runtime.send("GET", "/runtime/restore/next");
        HttpResponse<String> ping = runtime.send("GET", "/ping");

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(body(unknown).get("errorType").asText()).isEqualTo("NotFound");
        assertThat(otherVersion.statusCode()).isIn(400, 404);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("GET");
        assertThat(getResponse.statusCode()).isEqualTo(405);
        assertThat(restore.statusCode()).isEqualTo(404);
        assertThat(body(restore).get("errorMessage").asText()).contains("SnapStart");
        assertThat(ping.statusCode()).isEqualTo(200);
        assertThat(ping.body()).isEqualTo("pong");
        assertThat(events.isEmpty()).as("none of these reached the channel").isTrue();
    }

    @Test
    void connectionsPerEnvironmentAreCapped() throws Exception {
        try (RuntimeApiServer capped = RuntimeApiServer.start(new RuntimeApiServer.Settings(1, 2));
             RuntimeApiAttachment environment = capped.attach(loopbackListener(), new RuntimeApiChannel("capped", RuntimeApiListener.IGNORE));
             Socket first = new Socket(InetAddress.getLoopbackAddress(), environment.localPort());
             Socket second = new Socket(InetAddress.getLoopbackAddress(), environment.localPort());
             Socket third = new Socket(InetAddress.getLoopbackAddress(), environment.localPort())) {
            assertThat(ping(first)).startsWith("HTTP/1.1 200");
            assertThat(ping(second)).startsWith("HTTP/1.1 200");
            third.setSoTimeout(10_000);
            third.getOutputStream().write(pingRequest());
            // Closed on accept: end of stream (or a reset, if our request bytes were still unread).
            assertThat(readOrEndOfStream(third.getInputStream())).isEqualTo(-1);
            assertThat(environment.openConnections()).isEqualTo(2);
        }
    }

    private static byte[] pingRequest() {
        return "GET /2018-06-01/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    }

    private static String ping(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write(pingRequest());
        out.flush();
        InputStream in = socket.getInputStream();
        byte[] head = new byte[12];
        int read = in.readNBytes(head, 0, head.length);
        return new String(head, 0, read, StandardCharsets.US_ASCII);
    }

    private static int readOrEndOfStream(InputStream in) {
        try {
            return in.read();
        } catch (IOException reset) {
            return -1;
        }
    }
}
