package io.kindling.worker.pool;

import static io.kindling.worker.pool.PoolHarness.WAIT_SECONDS;
import static io.kindling.worker.pool.PoolHarness.failure;
import static io.kindling.worker.pool.PoolHarness.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.assignment.EnvironmentState;
import io.kindling.assignment.LifecycleSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The java17, java21 and java25 runtimes: the real AWS Lambda Java runtime interface client in real sandboxes, driven
 * through a {@link FunctionPool}, running handlers compiled here against the client's own jars. 512 MB, as a JVM in
 * 128 MB is tight; at Lambda's CPU share for 512 MB (0.29 of a core) a cold start takes a second or two.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JavaRuntimeTest extends PoolTest {
    private static final String ARN = "arn:aws:lambda:eu-west-1:123456789012:function:java-test";
    private static final int MEMORY_MB = 512;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper json = new ObjectMapper();

    /** Echoes its event with what it sees of its context and JVM; counts its invocations in a static field. */
    private static final String ECHO = """
            package pkg;

            import com.amazonaws.services.lambda.runtime.Context;
            import com.amazonaws.services.lambda.runtime.RequestHandler;
            import java.lang.management.ManagementFactory;
            import java.util.LinkedHashMap;
            import java.util.Map;

            public class Echo implements RequestHandler<Map<String, Object>, Map<String, Object>> {
                private static int invocations;

                @Override
                public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
                    invocations++;
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("event", event);
                    out.put("invocations", invocations);
                    out.put("functionName", context.getFunctionName());
                    out.put("functionVersion", context.getFunctionVersion());
                    out.put("memoryLimitInMB", context.getMemoryLimitInMB());
                    out.put("remainingTimeInMillis", context.getRemainingTimeInMillis());
                    out.put("awsRequestId", context.getAwsRequestId());
                    out.put("invokedFunctionArn", context.getInvokedFunctionArn());
                    out.put("logGroupName", context.getLogGroupName());
                    out.put("executionEnv", System.getenv("AWS_EXECUTION_ENV"));
                    out.put("javaVersion", System.getProperty("java.specification.version"));
                    out.put("userDir", System.getProperty("user.dir"));
                    out.put("classLoader", Echo.class.getClassLoader().getClass().getName());
                    out.put("jvmArguments", ManagementFactory.getRuntimeMXBean().getInputArguments());
                    System.out.println("echo handled " + invocations);
                    return out;
                }
            }
            """;

    private static final String UPPER = """
            package pkg;

            import com.amazonaws.services.lambda.runtime.Context;
            import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
            import java.io.IOException;
            import java.io.InputStream;
            import java.io.OutputStream;
            import java.nio.charset.StandardCharsets;
            import java.util.Locale;

            public class Upper implements RequestStreamHandler {
                @Override
                public void handleRequest(InputStream in, OutputStream out, Context context) throws IOException {
                    String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    out.write(text.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
                }
            }
            """;

    private static final String FAILS = """
            package pkg;

            import com.amazonaws.services.lambda.runtime.Context;
            import com.amazonaws.services.lambda.runtime.RequestHandler;
            import java.util.Map;

            public class Fails implements RequestHandler<Map<String, Object>, String> {
                @Override
                public String handleRequest(Map<String, Object> event, Context context) {
                    throw new IllegalStateException("no " + event.get("what"));
                }
            }
            """;

    /** Its class cannot be initialised: the client fails init and reports it through /runtime/init/error. */
    private static final String BROKEN = """
            package pkg;

            import com.amazonaws.services.lambda.runtime.Context;
            import com.amazonaws.services.lambda.runtime.RequestHandler;
            import java.util.Map;

            public class Broken implements RequestHandler<Map<String, Object>, String> {
                static {
                    if (Boolean.TRUE) {
                        throw new IllegalStateException("static init failed");
                    }
                }

                @Override
                public String handleRequest(Map<String, Object> event, Context context) {
                    return "never";
                }
            }
            """;

    private Path code;

    @BeforeEach
    void compileHandlers() throws IOException {
        code = harness.codeDir();
        // Release 17: the oldest runtime in the catalog must load them too.
        JavaHandlers.compile(code, Runtimes.load().directory().resolve("java/lib"), 17,
                Map.of("pkg.Echo", ECHO, "pkg.Upper", UPPER, "pkg.Fails", FAILS, "pkg.Broken", BROKEN));
    }

    @Test
    void aRequestHandlerGetsItsEventAndContextAndTheJvmLambdaWouldStart() throws Exception {
        FunctionPool pool = pool("java21", "pkg.Echo::handleRequest");

        JsonNode answer = json.readTree(text(invoke(pool, "{\"what\":\"thing\",\"n\":[1,2]}")));

        assertThat(answer.get("event")).isEqualTo(json.readTree("{\"what\":\"thing\",\"n\":[1,2]}"));
        assertThat(answer.get("functionName").asText()).isEqualTo("java-test");
        assertThat(answer.get("functionVersion").asText()).isEqualTo("$LATEST");
        assertThat(answer.get("memoryLimitInMB").asInt()).isEqualTo(MEMORY_MB);
        assertThat(answer.get("remainingTimeInMillis").asLong()).isPositive().isLessThanOrEqualTo(TIMEOUT.toMillis());
        assertThat(answer.get("awsRequestId").asText()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(answer.get("invokedFunctionArn").asText()).isEqualTo(ARN);
        assertThat(answer.get("logGroupName").asText()).isEqualTo("/aws/lambda/java-test");
        assertThat(answer.get("executionEnv").asText()).isEqualTo("AWS_Lambda_java21");
        assertThat(answer.get("javaVersion").asText()).isEqualTo("25");
        // The client loads the function from /var/task in its own class loader, as in Lambda.
        assertThat(answer.get("userDir").asText()).isEqualTo("/var/task");
        assertThat(answer.get("classLoader").asText())
                .isEqualTo("com.amazonaws.services.lambda.runtime.api.client.CustomerClassLoader");
        assertThat(json.convertValue(answer.get("jvmArguments"), List.class))
                .contains("-XX:MaxHeapSize=445645k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    }

    @Test
    void aWarmEnvironmentKeepsItsStaticStateAcrossInvocations() throws Exception {
        FunctionPool pool = pool("java21", "pkg.Echo::handleRequest");

        JsonNode first = json.readTree(text(invoke(pool, "{}")));
        pool.settled().get(WAIT_SECONDS, TimeUnit.SECONDS);
        JsonNode second = json.readTree(text(invoke(pool, "{}")));

        assertThat(first.get("invocations").asInt()).isEqualTo(1);
        assertThat(second.get("invocations").asInt()).isEqualTo(2);
        assertThat(second.get("awsRequestId")).isNotEqualTo(first.get("awsRequestId"));
        assertThat(pool.environments()).hasSize(1);
    }

    @Test
    void theFunctionsLogHoldsWhatItPrintedAndNoJvmWarnings() throws Exception {
        FunctionPool pool = harness.pool(function("java25", "pkg.Echo::handleRequest"), LifecycleSettings.DEFAULTS);

        text(invoke(pool, "{}"));

        // Output reaches the log through a pipe and a copying thread: wait for the handler's line, then everything
        // the JVM and the client wrote before it is there too.
        List<String> lines = harness.awaitLogLine("java-test", "echo handled 1");
        assertThat(lines.stream().filter(line -> !line.startsWith("START ") && !line.startsWith("END ")
                && !line.startsWith("REPORT "))).containsExactly("echo handled 1");
    }

    @Test
    void aRequestStreamHandlerGetsAndReturnsRawBytes() throws Exception {
        FunctionPool pool = pool("java21", "pkg.Upper::handleRequest");

        assertThat(text(invoke(pool, "not json, héllo"))).isEqualTo("NOT JSON, HÉLLO");
    }

    @Test
    void aHandlerExceptionIsAFunctionErrorWithTheClientsReportAndTheEnvironmentStaysWarm() throws Exception {
        FunctionPool pool = pool("java21", "pkg.Fails::handleRequest");

        InvokeOutcome.FunctionFailure failed = failure(invoke(pool, "{\"what\":\"thing\"}"));

        // The type is the client's Lambda-Runtime-Function-Error-Type header; the caller's body is the client's JSON.
        assertThat(failed.errorType()).isEqualTo("Runtime.UserException");
        JsonNode body = json.readTree(failed.body());
        assertThat(body.get("errorMessage").asText()).isEqualTo("no thing");
        assertThat(body.get("errorType").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(body.get("stackTrace").get(0).asText()).isEqualTo("pkg.Fails.handleRequest(Fails.java:10)");

        pool.settled().get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(failure(invoke(pool, "{\"what\":\"else\"}")).bodyText()).contains("\"errorMessage\":\"no else\"");
        assertThat(pool.environments()).hasSize(1);
    }

    @Test
    void aHandlerClassThatDoesNotExistFailsEachInvocationAsLambdaDoes() throws Exception {
        FunctionPool pool = pool("java21", "pkg.Missing::handleRequest");

        InvokeOutcome.FunctionFailure failed = failure(invoke(pool, "{}"));

        // Not an init error: the client defers a missing class to each invocation (UserFault, not fatal), so the
        // environment stays warm and every invoke gets the same answer, as in Lambda.
        assertThat(failed.errorType()).isEqualTo("Runtime.BadFunctionCode");
        assertThat(failed.bodyText()).isEqualTo(
                "{\"errorMessage\":\"Class not found: pkg.Missing\",\"errorType\":\"java.lang.ClassNotFoundException\"}");
        pool.settled().get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(pool.environments()).hasSize(1);
        assertThat(pool.environments().getFirst().state()).isInstanceOf(EnvironmentState.Idle.class);
    }

    @Test
    void aHandlerClassThatCannotBeInitialisedIsAnInitErrorAndEndsTheEnvironment() throws Exception {
        FunctionPool pool = pool("java21", "pkg.Broken::handleRequest");

        InvokeOutcome.FunctionFailure failed = failure(invoke(pool, "{}"));

        assertThat(failed.errorType()).isEqualTo("Runtime.BadFunctionCode");
        assertThat(failed.bodyText()).isEqualTo("{\"errorMessage\":\"Error loading class pkg.Broken\","
                + "\"errorType\":\"java.lang.ExceptionInInitializerError\"}");
        ExecutionEnvironment environment = pool.environments().getFirst();
        EnvironmentState.Gone gone = environment.gone().get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(gone.reason()).isEqualTo(EnvironmentState.Reason.INIT_FAILED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"java17", "java21", "java25"})
    void everyJavaIdentifierRunsOnTheHostsJdk25AndSaysWhichItIs(String identifier) throws Exception {
        FunctionPool pool = pool(identifier, "pkg.Echo::handleRequest");

        JsonNode answer = json.readTree(text(invoke(pool, "{}")));

        assertThat(answer.get("executionEnv").asText()).isEqualTo("AWS_Lambda_" + identifier);
        assertThat(answer.get("javaVersion").asText()).isEqualTo("25");
    }

    // ---- helpers ----

    private FunctionPool pool(String runtime, String handler) {
        return harness.pool(function(runtime, handler), LifecycleSettings.DEFAULTS);
    }

    private FunctionVersionSpec function(String runtime, String handler) {
        return new FunctionVersionSpec("java-test", "$LATEST", MEMORY_MB, 512, TIMEOUT, handler, "eu-west-1", code,
                Map.of(), Runtimes.load().get(runtime));
    }

    private static InvokeOutcome invoke(FunctionPool pool, String payload) throws Exception {
        return PoolHarness.invoke(pool, payload, ARN);
    }
}
