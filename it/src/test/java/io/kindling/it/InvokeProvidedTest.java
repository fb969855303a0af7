package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.model.InvalidRequestContentException;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.LogType;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * Synchronous invokes of a {@code provided.al2023} function through the real server, real sandboxes and the AWS SDK
 * v2 client, as a user of Lambda makes them.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class InvokeProvidedTest extends ServerTest {
    private static final String ARN_PREFIX = "arn:aws:lambda:us-east-1:123456789012:function:";

    static void deploy(String name, byte[] zip, int timeoutSeconds, Map<String, String> env) {
        lambda.createFunction(r -> r.functionName(name).runtime(Runtime.PROVIDED_AL2023).handler("function.handler")
                .role(TestServer.ROLE).timeout(timeoutSeconds).memorySize(128)
                .environment(e -> e.variables(env))
                .code(c -> c.zipFile(Zips.sdk(zip))));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
    }

    static InvokeResponse invoke(String name, String json) {
        return lambda.invoke(r -> r.functionName(name).payload(SdkBytes.fromUtf8String(json)));
    }

    static String text(InvokeResponse response) {
        return response.payload().asUtf8String();
    }

    static String decoded(InvokeResponse response) {
        String quoted = text(response);
        return new String(Base64.getDecoder().decode(quoted.substring(1, quoted.length() - 1)), StandardCharsets.UTF_8);
    }

    @Test
    void anEchoComesBackWithLambdasHeaders() {
        deploy("echo", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 10, Map.of());

        InvokeResponse response = invoke("echo", "{\"greeting\":\"héllo\",\"n\":[1,2,3]}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(text(response)).isEqualTo("{\"greeting\":\"héllo\",\"n\":[1,2,3]}");
        assertThat(response.executedVersion()).isEqualTo("$LATEST");
        assertThat(response.functionError()).isNull();
        assertThat(response.logResult()).isNull();
    }

    @Test
    void logTypeTailReturnsTheEndOfThisInvocationsLog() {
        deploy("chatty", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY.replace(
                "COUNT=$((COUNT + 1))", "COUNT=$((COUNT + 1)); echo \"line for invocation $COUNT\"")), 10, Map.of());

        InvokeResponse cold = lambda.invoke(r -> r.functionName("chatty").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("{}")));
        InvokeResponse warm = lambda.invoke(r -> r.functionName("chatty").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("{}")));
        InvokeResponse untailed = invoke("chatty", "{}");

        String coldLog = new String(Base64.getDecoder().decode(cold.logResult()), StandardCharsets.UTF_8);
        String warmLog = new String(Base64.getDecoder().decode(warm.logResult()), StandardCharsets.UTF_8);
        assertThat(coldLog).startsWith("START RequestId: ").contains("Version: $LATEST")
                .contains("line for invocation 1").contains("END RequestId: ")
                .containsPattern("REPORT RequestId: [0-9a-f-]{36}\tDuration: [0-9.]+ ms\tBilled Duration: [0-9]+ ms"
                        + "\tMemory Size: 128 MB\tMax Memory Used: [0-9]+ MB\tInit Duration: [0-9.]+ ms");
        assertThat(warmLog).contains("line for invocation 2").doesNotContain("invocation 1")
                .doesNotContain("Init Duration");
        assertThat(untailed.logResult()).isNull();
    }

    @Test
    void theInvocationsRequestIdIsTheOneTheCallerGetsBack() {
        deploy("traced", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 10, Map.of());

        InvokeResponse response = lambda.invoke(r -> r.functionName("traced").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("\"header:Lambda-Runtime-Aws-Request-Id\"")));

        String requestId = response.responseMetadata().requestId();
        assertThat(decoded(response)).isEqualTo(requestId);
        assertThat(new String(Base64.getDecoder().decode(response.logResult()), StandardCharsets.UTF_8))
                .startsWith("START RequestId: " + requestId + " ");
    }

    @Test
    void consecutiveInvokesReuseTheWarmEnvironment() {
        deploy("counter", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 10, Map.of());

        List<String> counts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            counts.add(text(invoke("counter", "\"count\"")));
        }

        assertThat(counts).containsExactly("1", "2", "3", "4", "5");
    }

    @Test
    void theRuntimeGetsLambdasEnvironmentAndTheFunctionsOwnVariables() {
        deploy("environment", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 10,
                Map.of("GREETING", "hello", "AWS_REGION_OF_MINE", "mine"));

        assertThat(text(invoke("environment", "\"env:GREETING\""))).isEqualTo("\"hello\"");
        assertThat(text(invoke("environment", "\"env:AWS_LAMBDA_FUNCTION_NAME\""))).isEqualTo("\"environment\"");
        assertThat(text(invoke("environment", "\"env:AWS_LAMBDA_FUNCTION_MEMORY_SIZE\""))).isEqualTo("\"128\"");
        assertThat(text(invoke("environment", "\"env:AWS_LAMBDA_FUNCTION_VERSION\""))).isEqualTo("\"$LATEST\"");
        assertThat(text(invoke("environment", "\"env:AWS_REGION\""))).isEqualTo("\"us-east-1\"");
        assertThat(text(invoke("environment", "\"env:_HANDLER\""))).isEqualTo("\"function.handler\"");
        assertThat(text(invoke("environment", "\"env:LAMBDA_TASK_ROOT\""))).isEqualTo("\"/var/task\"");
        assertThat(text(invoke("environment", "\"env:AWS_LAMBDA_LOG_GROUP_NAME\"")))
                .isEqualTo("\"/aws/lambda/environment\"");
        assertThat(text(invoke("environment", "\"env:AWS_EXECUTION_ENV\"")))
                .isEqualTo("\"AWS_Lambda_provided.al2023\"");
    }

    @Test
    void theRuntimeSeesTheArnTheCallerUsedAndTheDecodedClientContext() {
        deploy("headers", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 10, Map.of());
        lambda.publishVersion(r -> r.functionName("headers"));
        lambda.createAlias(r -> r.functionName("headers").name("live").functionVersion("1"));
        String clientContext = "{\"custom\":{\"tenant\":\"acme\"},\"env\":{\"platform\":\"test\"}}";

        InvokeResponse viaAlias = lambda.invoke(r -> r.functionName("headers:live")
                .clientContext(Base64.getEncoder().encodeToString(clientContext.getBytes(StandardCharsets.UTF_8)))
                .payload(SdkBytes.fromUtf8String("\"header:Lambda-Runtime-Client-Context\"")));
        InvokeResponse arn = lambda.invoke(r -> r.functionName("headers").qualifier("live")
                .payload(SdkBytes.fromUtf8String("\"header:Lambda-Runtime-Invoked-Function-Arn\"")));
        InvokeResponse deadline = invoke("headers", "\"header:Lambda-Runtime-Deadline-Ms\"");
        InvokeResponse trace = invoke("headers", "\"header:Lambda-Runtime-Trace-Id\"");

        assertThat(viaAlias.executedVersion()).isEqualTo("1");
        assertThat(decoded(viaAlias)).isEqualTo(clientContext);
        assertThat(decoded(arn)).isEqualTo(ARN_PREFIX + "headers:live");
        assertThat(Long.parseLong(decoded(deadline))).isGreaterThan(System.currentTimeMillis());
        assertThat(decoded(trace)).matches("Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0");
    }

    @Test
    void aFunctionErrorIsUnhandledWithStatus200AndTheRuntimesBody() {
        deploy("failing", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 10, Map.of());

        InvokeResponse response = invoke("failing", "\"fail\"");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.functionError()).isEqualTo("Unhandled");
        assertThat(text(response)).contains("\"errorType\":\"Custom.Failure\"").contains("it failed on purpose");
        assertThat(text(invoke("failing", "\"count\""))).as("a reported error keeps the environment").isEqualTo("2");
    }

    @Test
    void aTimeoutIsSandboxTimedoutAndTheNextInvokeGetsAFreshEnvironment() {
        deploy("sleepy", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 2, Map.of());
        assertThat(text(invoke("sleepy", "\"count\""))).isEqualTo("1");

        InvokeResponse timedOut = invoke("sleepy", "\"sleep\"");

        assertThat(timedOut.functionError()).isEqualTo("Unhandled");
        assertThat(text(timedOut)).matches("\\{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":"
                + "\"RequestId: [0-9a-f-]{36} Error: Task timed out after 2.00 seconds\"}");
        assertThat(text(invoke("sleepy", "\"count\""))).isEqualTo("1");
    }

    @Test
    void aRuntimeThatExitsIsARuntimeExitError() {
        deploy("crashing", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 10, Map.of());

        InvokeResponse crashed = invoke("crashing", "\"crash\"");

        assertThat(crashed.functionError()).isEqualTo("Unhandled");
        assertThat(text(crashed)).matches("\\{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":"
                + "\"RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3\"}");
        assertThat(text(invoke("crashing", "\"count\""))).isEqualTo("1");
    }

    @Test
    void runningOutOfMemoryIsAnOutOfMemoryErrorAndTheEnvironmentIsReplaced() {
        deploy("hog", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 30, Map.of());

        InvokeResponse killed = invoke("hog", "\"hog\"");

        assertThat(killed.functionError()).isEqualTo("Unhandled");
        assertThat(text(killed)).contains("\"errorType\":\"Runtime.OutOfMemory\"");
        assertThat(text(invoke("hog", "\"count\""))).isEqualTo("1");
    }

    @Test
    void anInitErrorIsTheAnswerToTheInvokeThatCausedTheInit() {
        deploy("init-error", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.INIT_ERROR), 10, Map.of());

        InvokeResponse failed = invoke("init-error", "{}");

        assertThat(failed.functionError()).isEqualTo("Unhandled");
        assertThat(text(failed)).contains("\"errorType\":\"Runtime.NoConfig\"").contains("config missing");
    }

    @Test
    void aPackageWithoutBootstrapIsAnInvalidEntrypoint() {
        deploy("no-bootstrap", Zips.zip(Zips.Entry.file("README", "no bootstrap here")), 10, Map.of());

        InvokeResponse failed = invoke("no-bootstrap", "{}");

        assertThat(failed.functionError()).isEqualTo("Unhandled");
        assertThat(text(failed)).matches("\\{\"errorType\":\"Runtime.InvalidEntrypoint\",\"errorMessage\":"
                + "\"RequestId: [0-9a-f-]{36} Error: Couldn't find valid bootstrap\\(s\\): \\[/var/task/bootstrap]\"}");
    }

    @Test
    void aResponseOverSixMegabytesIsResponseSizeTooLarge() {
        deploy("big", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 10, Map.of());

        InvokeResponse tooBig = invoke("big", "\"big\"");

        assertThat(tooBig.functionError()).isEqualTo("Unhandled");
        assertThat(text(tooBig)).contains("\"errorType\":\"Function.ResponseSizeTooLarge\"")
                .contains("Response payload size exceeded maximum allowed payload size (6291556 bytes).");
    }

    @Test
    void aRequestOverSixMegabytesIsRefusedAsAwsRefusesIt() {
        deploy("big-request", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 10, Map.of());
        String payload = "\"" + "a".repeat(6_291_456) + "\"";

        assertThatThrownBy(() -> invoke("big-request", payload))
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(413);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("RequestEntityTooLargeException");
                    assertThat(e.awsErrorDetails().errorMessage())
                            .isEqualTo("Request must be smaller than 6291456 bytes for the InvokeFunction operation");
                });
    }

    @Test
    void aBodyThatIsNotJsonIsInvalidRequestContent() {
        deploy("strict", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 10, Map.of());

        assertThatThrownBy(() -> invoke("strict", "hello, not json"))
                .isInstanceOfSatisfying(InvalidRequestContentException.class,
                        e -> assertThat(e.getMessage()).startsWith("Could not parse request body into json"));
        assertThat(text(invoke("strict", ""))).as("an empty body is allowed").isEmpty();
    }

    @Test
    void dryRunChecksWithoutRunning() {
        deploy("dry", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 10, Map.of());

        InvokeResponse dry = lambda.invoke(r -> r.functionName("dry").invocationType(InvocationType.DRY_RUN));

        assertThat(dry.statusCode()).isEqualTo(204);
        assertThat(text(invoke("dry", "\"count\""))).as("the dry run started nothing").isEqualTo("1");
        assertThatThrownBy(() -> invoke("no-such-function", "{}")).isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void fiftyConcurrentInvokesAreEachAnsweredCorrectlyAndLaterOnesReuseTheWarmEnvironments() throws Exception {
        deploy("crowd", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 60, Map.of());
        deploy("bystander", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 60, Map.of());

        List<Future<String>> answers = new ArrayList<>();
        Future<String> bystander;
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) {
                String payload = "{\"caller\":" + i + "}";
                answers.add(callers.submit(() -> text(invoke("crowd", payload))));
            }
            bystander = callers.submit(() -> text(invoke("bystander", "{\"alone\":true}")));
        }
        List<Integer> countsAfterwards = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            countsAfterwards.add(Integer.parseInt(text(invoke("crowd", "\"count\""))));
        }

        for (int i = 0; i < 50; i++) {
            assertThat(answers.get(i).get()).isEqualTo("{\"caller\":" + i + "}");
        }
        assertThat(bystander.get()).isEqualTo("{\"alone\":true}");
        // Every environment of the burst has served one invocation: a count of 1 would be a cold start.
        assertThat(countsAfterwards).as("later invokes reuse the burst's warm environments").allMatch(n -> n > 1);
    }

    @Test
    void anInvocationInFlightDuringACodeUpdateFinishesOnItsOwnCodeAndTheNextRunsTheNewCode() throws Exception {
        deploy("updated", versioned("one"), 30, Map.of());
        assertThat(text(invoke("updated", "\"count\""))).isEqualTo("1");
        // Four seconds in, the running invocation reads its package again; meanwhile the code is replaced.
        Future<String> inFlight;
        try (ExecutorService caller = Executors.newVirtualThreadPerTaskExecutor()) {
            inFlight = caller.submit(() -> decoded(invoke("updated", "\"probe:sleep 4; cat /var/task/version.txt\"")));
            // Ordering only (no timing is asserted): let the invoke reach the warm environment before the update,
            // which would otherwise refuse it with 409 while in progress.
            Thread.sleep(1500);
            lambda.updateFunctionCode(r -> r.functionName("updated").zipFile(Zips.sdk(versioned("two"))));
            lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName("updated"));

            assertThat(inFlight.get()).isEqualTo("one");
        }
        assertThat(decoded(invoke("updated", "\"probe:cat /var/task/version.txt\""))).isEqualTo("two");
    }

    private static byte[] versioned(String version) {
        return Zips.zip(new Zips.Entry("bootstrap", 0100755,
                        ProvidedRuntimeBootstraps.SWISS_ARMY.getBytes(StandardCharsets.UTF_8)),
                Zips.Entry.file("version.txt", version));
    }

    @Test
    void fromInsideItsSandboxAFunctionSeesOnlyItself() {
        deploy("prisoner", ProvidedRuntimeBootstraps.zip(ProvidedRuntimeBootstraps.SWISS_ARMY), 10, Map.of());
        int apiPort = server.server.port();

        String processes = decoded(invoke("prisoner", "\"probe:ls /proc | grep -c '^[0-9]'\""));
        String api = decoded(invoke("prisoner", "\"probe:curl -sS -m 2 http://127.0.0.1:" + apiPort
                + "/health || echo unreachable\""));
        String writeCode = decoded(invoke("prisoner", "\"probe:touch /var/task/x 2>&1 || echo refused\""));
        String writeRoot = decoded(invoke("prisoner", "\"probe:touch /usr/x 2>&1 || echo refused\""));
        String dataDir = decoded(invoke("prisoner", "\"probe:ls " + server.dataDir + " 2>&1 || echo absent\""));
        String user = decoded(invoke("prisoner", "\"probe:id -u\""));

        assertThat(Integer.parseInt(processes.trim())).as("processes visible: " + processes).isLessThan(10);
        assertThat(api).contains("unreachable").doesNotContain("ok");
        assertThat(writeCode).contains("refused");
        assertThat(writeRoot).contains("refused");
        assertThat(dataDir).contains("absent");
        assertThat(user.trim()).isNotEqualTo("0");
    }
}
