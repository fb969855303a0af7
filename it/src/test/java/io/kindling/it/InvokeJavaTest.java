package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LogType;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * A java21 function through the real server: the handler is compiled here against the aws-lambda-java-core jar the
 * runtime ships, zipped as a user would, deployed and invoked with the SDK, and run by the real AWS Java runtime
 * interface client in a sandbox.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class InvokeJavaTest extends ServerTest {
    private static final String HANDLER = """
            package example;

            import com.amazonaws.services.lambda.runtime.Context;
            import com.amazonaws.services.lambda.runtime.RequestHandler;
            import java.util.Map;

            public class Hello implements RequestHandler<Map<String, Object>, Map<String, Object>> {
                private static int invocations;

                @Override
                public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
                    invocations++;
                    System.out.println("hello from " + context.getFunctionName());
                    if (event.containsKey("fail")) {
                        throw new IllegalStateException("asked to fail");
                    }
                    if (event.containsKey("sleep")) {
                        try {
                            Thread.sleep(60_000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return Map.of("greeting", "hello " + event.get("name"), "invocations", invocations,
                            "memory", context.getMemoryLimitInMB());
                }
            }
            """;

    private static final String BROKEN = """
            package example;

            import com.amazonaws.services.lambda.runtime.Context;
            import com.amazonaws.services.lambda.runtime.RequestHandler;

            public class Broken implements RequestHandler<Object, String> {
                static {
                    if (true) {
                        throw new IllegalStateException("configuration missing");
                    }
                }

                @Override
                public String handleRequest(Object event, Context context) {
                    return "unreachable";
                }
            }
            """;

    static byte[] zip;

    @BeforeAll
    static void compileTheHandler() throws IOException {
        Path src = Files.createDirectories(dir.resolve("java-src/example"));
        Files.writeString(src.resolve("Hello.java"), HANDLER);
        Files.writeString(src.resolve("Broken.java"), BROKEN);
        Path classes = Files.createDirectories(dir.resolve("java-classes"));
        Path core;
        try (Stream<Path> jars = Files.list(Path.of(System.getProperty("kindling.runtimes.dir"), "java", "lib"))) {
            core = jars.filter(j -> j.getFileName().toString().startsWith("aws-lambda-java-core-")).findFirst()
                    .orElseThrow();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int status = javac.run(null, null, null, "--release", "21", "-cp", core.toString(), "-d", classes.toString(),
                src.resolve("Hello.java").toString(), src.resolve("Broken.java").toString());
        assertThat(status).as("javac").isZero();
        List<Zips.Entry> entries = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                entries.add(new Zips.Entry(classes.relativize(file).toString(), 0100644, Files.readAllBytes(file)));
            }
        }
        zip = Zips.zip(entries.toArray(Zips.Entry[]::new));
    }

    static void deploy(String name, Runtime runtime, String handler, int timeoutSeconds) {
        lambda.createFunction(r -> r.functionName(name).runtime(runtime).handler(handler).role(TestServer.ROLE)
                .memorySize(1024).timeout(timeoutSeconds).code(c -> c.zipFile(Zips.sdk(zip))));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
    }

    @Test
    void aJava21HandlerRunsInTheRealRuntimeClientAndStaysWarm() {
        deploy("hello-java", Runtime.JAVA21, "example.Hello::handleRequest", 30);

        InvokeResponse cold = lambda.invoke(r -> r.functionName("hello-java").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("{\"name\":\"Ada\"}")));
        InvokeResponse warm = lambda.invoke(r -> r.functionName("hello-java")
                .payload(SdkBytes.fromUtf8String("{\"name\":\"Grace\"}")));
        InvokeResponse failed = lambda.invoke(r -> r.functionName("hello-java")
                .payload(SdkBytes.fromUtf8String("{\"fail\":true}")));

        assertThat(cold.functionError()).as(cold.payload().asUtf8String()).isNull();
        assertThat(cold.payload().asUtf8String()).contains("\"greeting\":\"hello Ada\"").contains("\"invocations\":1")
                .contains("\"memory\":1024");
        String log = new String(Base64.getDecoder().decode(cold.logResult()), StandardCharsets.UTF_8);
        assertThat(log).contains("START RequestId: ").contains("REPORT RequestId: ").contains("Init Duration: ");
        assertThat(warm.payload().asUtf8String()).contains("\"greeting\":\"hello Grace\"").contains("\"invocations\":2");
        assertThat(failed.functionError()).isEqualTo("Unhandled");
        assertThat(failed.payload().asUtf8String()).contains("\"errorType\":\"java.lang.IllegalStateException\"")
                .contains("\"errorMessage\":\"asked to fail\"").contains("\"stackTrace\"");
    }

    @Test
    void aJava25HandlerPastItsTimeoutIsSandboxTimedout() {
        deploy("slow-java", Runtime.JAVA25, "example.Hello::handleRequest", 3);

        InvokeResponse timedOut = lambda.invoke(r -> r.functionName("slow-java")
                .payload(SdkBytes.fromUtf8String("{\"sleep\":true}")));

        assertThat(timedOut.functionError()).isEqualTo("Unhandled");
        assertThat(timedOut.payload().asUtf8String()).matches("\\{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":"
                + "\"RequestId: [0-9a-f-]{36} Error: Task timed out after 3.00 seconds\"}");
    }

    @Test
    void aHandlerClassWhoseInitialiserThrowsIsAnInitErrorForTheFirstInvoke() {
        deploy("broken-java", Runtime.JAVA21, "example.Broken::handleRequest", 30);

        InvokeResponse failed = lambda.invoke(r -> r.functionName("broken-java")
                .payload(SdkBytes.fromUtf8String("{}")));

        assertThat(failed.functionError()).isEqualTo("Unhandled");
        // What the runtime client reports through /runtime/init/error, as Lambda returns it.
        assertThat(failed.payload().asUtf8String()).isEqualTo("{\"errorMessage\":\"Error loading class example.Broken\","
                + "\"errorType\":\"java.lang.ExceptionInInitializerError\"}");
    }
}
