package io.kindling.worker.pool;

import static io.kindling.worker.pool.PoolHarness.WAIT_SECONDS;
import static io.kindling.worker.pool.PoolHarness.failure;
import static io.kindling.worker.pool.PoolHarness.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.assignment.EnvironmentState;
import io.kindling.assignment.LifecycleSettings;
import io.kindling.worker.runtimeapi.InvocationRequest;
import io.kindling.worker.runtimeapi.RuntimeApiAttachment;
import io.kindling.worker.runtimeapi.RuntimeApiChannel;
import io.kindling.worker.runtimeapi.RuntimeApiListener;
import io.kindling.worker.runtimeapi.RuntimeOutcome;
import io.kindling.worker.sandbox.OutputSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
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
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
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
        FunctionLog log = new FunctionLog();
        FunctionPool pool = harness.pool(function("java25", "pkg.Echo::handleRequest"), LifecycleSettings.DEFAULTS,
                id -> OutputSink.stream(log));

        text(invoke(pool, "{}"));

        // Output reaches the log through a pipe and a copying thread: wait for the handler's line, then everything
        // the JVM and the client wrote before it is there too.
        assertThat(log.await(t -> t.contains("echo handled 1\n"))).isEqualTo("echo handled 1\n");
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

    /**
     * Measures, does not assert (a benchmark, not a timed test; about a minute, so only with
     * {@code -Dkindling.measure=true}): a cold start from invoke to answer, as the caller sees it, for the echo handler.
     * In the sandbox through a fresh pool each run, at 512 MB (Lambda's CPU share, 0.29 of a core) and at 1,769 MB (one
     * core); and the same java command started bare on the host (every core, no namespaces or cgroups) against the
     * same Runtime API server, from process start to answer.
     */
    @Test
    @EnabledIfSystemProperty(named = "kindling.measure", matches = "true")
    void measureColdStart() throws Exception {
        int runs = 5;
        long[] bare = new long[runs];
        long[] bareOneCore = new long[runs];
        long[] at512 = new long[runs];
        long[] at1769 = new long[runs];
        for (int i = 0; i < runs; i++) {
            bare[i] = bareStart(i, List.of());
            bareOneCore[i] = bareStart(i, List.of("taskset", "-c", "0"));
            at512[i] = sandboxStart(512);
            at1769[i] = sandboxStart(1769);
        }
        System.out.printf("java21 cold start, echo handler, %d runs, median (min..max) ms: bare on the host %s;"
                        + " bare on one core %s; sandbox 1769 MB (one core) %s; sandbox 512 MB %s%n",
                runs, median(bare), median(bareOneCore), median(at1769), median(at512));
    }

    private long sandboxStart(int memoryMb) throws Exception {
        FunctionPool pool = harness.pool(new FunctionVersionSpec("java-test", "$LATEST", memoryMb, 512, TIMEOUT,
                "pkg.Echo::handleRequest", "eu-west-1", code, Map.of(), Runtimes.load().get("java21")),
                LifecycleSettings.DEFAULTS);
        long began = System.nanoTime();
        text(invoke(pool, "{}"));
        long took = System.nanoTime() - began;
        pool.close(Duration.ofSeconds(WAIT_SECONDS));
        return took;
    }

    /**
     * The sandbox's java command with /var/runtime and /var/task as host paths, on host loopback.
     *
     * @param prefix runs before java, e.g. taskset to pin it to one core
     */
    private long bareStart(int run, List<String> prefix) throws Exception {
        Runtime java = Runtimes.load().get("java21");
        String runtimeDir = java.runtimeDir().orElseThrow().toString();
        List<String> command = new ArrayList<>(prefix);
        java.command("pkg.Echo::handleRequest", 512).forEach(a -> command.add(a.replace("/var/runtime", runtimeDir)));
        ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        RuntimeApiChannel channel = new RuntimeApiChannel("bare-" + run, RuntimeApiListener.IGNORE);
        try (RuntimeApiAttachment attachment = harness.runtimeApi.attach(listener, channel)) {
            ProcessBuilder builder = new ProcessBuilder(command).directory(code.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            builder.environment().clear();
            builder.environment().putAll(Map.of("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + listener.socket().getLocalPort(),
                    "_HANDLER", "pkg.Echo::handleRequest", "AWS_LAMBDA_FUNCTION_NAME", "java-test",
                    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512", "LAMBDA_TASK_ROOT", code.toString(), "TZ", ":UTC"));
            long began = System.nanoTime();
            Process process = builder.start();
            try {
                InvocationRequest request = new InvocationRequest("bare-" + run, "{}".getBytes(StandardCharsets.UTF_8),
                        System.currentTimeMillis() + TIMEOUT.toMillis(), ARN, "Root=1-00000000-000000000000000000000000",
                        Optional.empty(), Optional.empty());
                RuntimeOutcome outcome = channel.deliver(request).get(WAIT_SECONDS, TimeUnit.SECONDS);
                long took = System.nanoTime() - began;
                assertThat(outcome).isInstanceOf(RuntimeOutcome.Response.class);
                return took;
            } finally {
                process.destroyForcibly().waitFor();
                channel.close();
            }
        }
    }

    private static String median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "%.0f (%.0f..%.0f)", sorted[sorted.length / 2] / 1e6, sorted[0] / 1e6,
                sorted[sorted.length - 1] / 1e6);
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

    /** A sandbox's output, waited on through the monitor (notified on every write): no sleeps, only a timeout. */
    private static final class FunctionLog extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
            notifyAll();
        }

        synchronized String await(Predicate<String> condition) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (!condition.test(bytes.toString(StandardCharsets.UTF_8))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the log never got there:\n" + bytes.toString(StandardCharsets.UTF_8));
                }
                wait(Math.max(1, left / 1_000_000));
            }
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
