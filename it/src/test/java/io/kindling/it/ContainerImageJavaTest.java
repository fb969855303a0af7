package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kindling.chunks.oci.layers.TestLayer;
import io.kindling.chunks.oci.registry.Descriptor;
import io.kindling.chunks.oci.registry.LocalRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LogType;
import software.amazon.awssdk.services.lambda.model.PackageType;
import software.amazon.awssdk.services.lambda.model.State;

/**
 * Issue 6's "an image whose entrypoint runs the AWS Java runtime interface client works unchanged": an image built as
 * AWS documents for Java on a non-AWS base (the RIC and its jars beside the function's classes, {@code ENTRYPOINT
 * ["java", "-cp", ..., "...AWSLambda"]}, the handler as {@code CMD}, {@code WORKDIR /var/task}), with a Java runtime
 * of its own that jlink makes here from the JDK running the test (25), deployed with PackageType Image and invoked
 * through the SDK.
 * Nothing of Kindling's own java runtimes is involved: the image's java, flags and class path are all there is.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ContainerImageJavaTest {
    /** Where the image keeps its Java runtime: a path the host does not have, so only the image's java can run. */
    private static final String JAVA_HOME = "opt/java";
    private static final int MEMORY_MB = 1769;

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
                    return Map.of("greeting", "hello " + event.get("name"), "invocations", invocations,
                            "function", context.getFunctionName(), "memory", context.getMemoryLimitInMB(),
                            "javaHome", System.getProperty("java.home"), "workingDirectory",
                            System.getProperty("user.dir"));
                }
            }
            """;

    /**
     * As in AWS's documented Dockerfile for the RIC, with the JVM flags Kindling's own java runtimes use (java.tsv):
     * serial GC and C1 only for one vCPU and a fast start, java.io opened for the RIC's log sink, and native access
     * for its JNI library, which the RIC extracts to /tmp by itself as in the documented image.
     */
    private static final TestImages.Config CONFIG = new TestImages.Config(List.of("/" + JAVA_HOME + "/bin/java",
            "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED", "-cp", "/var/task/lib/*:/var/task",
            "com.amazonaws.services.lambda.runtime.api.client.AWSLambda"), List.of("example.Hello::handleRequest"),
            List.of("PATH=/" + JAVA_HOME + "/bin:/usr/bin:/bin"), "/var/task", "");

    @RegisterExtension
    static final ServerExtension SERVER = new ServerExtension(UnaryOperator.identity());

    private static LocalRegistry registry;
    private static String image;

    private static LambdaClient lambda() {
        return SERVER.lambda();
    }

    @BeforeAll
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    static void buildAndPushTheImage() throws Exception {
        registry = LocalRegistry.start(Files.createDirectories(SERVER.dir().resolve("registry")));
        Path runtime = jlink(SERVER.dir().resolve("jlinked"));
        Path classes = compileTheHandler(SERVER.dir().resolve("handler"));
        image = TestImages.push(registry, SERVER.dir(), "java-ric:v1", CONFIG, layout -> List.of(
                TestImages.blob(layout, SERVER.dir(), userlandFor(runtime)),
                // Uncompressed: gzip of the runtime's 56 MB would be the slowest step of building the image.
                TestImages.blob(layout, SERVER.dir(), tree(new TestLayer().dir("opt").dir(JAVA_HOME), runtime,
                        JAVA_HOME), TestLayer.Compression.NONE),
                TestImages.blob(layout, SERVER.dir(), functionLayer(classes))));
    }

    @AfterAll
    static void stopTheRegistry() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void theRuntimeInterfaceClientRunsTheHandlerOnTheImagesOwnJavaAndStaysWarm() {
        create("java-image");

        InvokeResponse cold = lambda().invoke(r -> r.functionName("java-image").logType(LogType.TAIL)
                .payload(SdkBytes.fromUtf8String("{\"name\":\"Ada\"}")));
        InvokeResponse warm = lambda().invoke(r -> r.functionName("java-image")
                .payload(SdkBytes.fromUtf8String("{\"name\":\"Grace\"}")));

        assertThat(cold.functionError()).as(cold.payload().asUtf8String()).isNull();
        assertThat(cold.payload().asUtf8String()).contains("\"greeting\":\"hello Ada\"").contains("\"invocations\":1")
                .contains("\"function\":\"java-image\"").contains("\"memory\":" + MEMORY_MB)
                .contains("\"javaHome\":\"/" + JAVA_HOME + "\"").contains("\"workingDirectory\":\"/var/task\"");
        String log = new String(Base64.getDecoder().decode(cold.logResult()), StandardCharsets.UTF_8);
        assertThat(log).contains("hello from java-image").contains("REPORT RequestId: ");
        assertThat(warm.functionError()).as(warm.payload().asUtf8String()).isNull();
        assertThat(warm.payload().asUtf8String()).as("the same JVM: the handler's static counter went on")
                .contains("\"greeting\":\"hello Grace\"").contains("\"invocations\":2");
    }

    @Test
    void aHandlerThatThrowsIsAnUnhandledFunctionErrorNamingTheJavaException() {
        create("java-image-failing");

        InvokeResponse failed = lambda().invoke(r -> r.functionName("java-image-failing")
                .payload(SdkBytes.fromUtf8String("{\"fail\":true}")));

        assertThat(failed.functionError()).isEqualTo("Unhandled");
        assertThat(failed.payload().asUtf8String()).contains("\"errorType\":\"java.lang.IllegalStateException\"")
                .contains("\"errorMessage\":\"asked to fail\"").contains("example.Hello.handleRequest");
    }

    /**
     * A function of the image with 1,769 MB, which Lambda (and Kindling) give one whole vCPU: a JVM's cold start is
     * CPU-bound, and at a fraction of a core on a busy host it could take longer than the timeout.
     */
    private static void create(String name) {
        lambda().createFunction(r -> r.functionName(name).packageType(PackageType.IMAGE).role(TestServer.ROLE)
                .memorySize(MEMORY_MB).timeout(60).code(c -> c.imageUri(image)));
        // Polled more often than the SDK's waiter (every 5 s): the import takes a few seconds.
        State state = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(
                () -> lambda().getFunctionConfiguration(r -> r.functionName(name)).state(), s -> s != State.PENDING);
        assertThat(state).as("the image's import").isEqualTo(State.ACTIVE);
    }

    // ---------------------------------------------------------------- the image's layers

    /**
     * A small Java runtime from the host's JDK 25. {@code jdeps --print-module-deps} on the RIC's jars also names
     * java.desktop and java.sql, for the Jackson copy shaded into aws-lambda-java-serialization, which uses them only
     * when they are there (java.beans annotations, java.sql dates); java.base and jdk.unsupported (sun.misc.Unsafe)
     * are what the RIC needs.
     */
    private static Path jlink(Path output) {
        ToolProvider jlink = ToolProvider.findFirst("jlink").orElseThrow();
        ByteArrayOutputStream messages = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(messages, true, StandardCharsets.UTF_8);
        // No --module-path: this JDK ships without jmods, and jlink links from its own run-time image (JEP 493).
        int status = jlink.run(out, out, "--add-modules",
                "java.base,jdk.unsupported", "--strip-debug", "--no-man-pages", "--no-header-files", "--output",
                output.toString());
        assertThat(status).as("jlink: " + messages.toString(StandardCharsets.UTF_8)).isZero();
        return output;
    }

    /**
     * The host's C libraries that the runtime's java and JNI libraries link against (ldd), and libgcc_s, which glibc
     * loads by name to unwind a thread that exits and which the RIC's JNI library links against.
     */
    private static TestLayer userlandFor(Path runtime) throws IOException, InterruptedException {
        List<Path> binaries = new ArrayList<>(List.of(runtime.resolve("bin/java")));
        try (Stream<Path> files = Files.walk(runtime.resolve("lib"))) {
            files.filter(f -> f.getFileName().toString().endsWith(".so")).forEach(binaries::add);
        }
        return HostUserland.librariesFor(binaries, runtime,
                List.of(Path.of("/usr/lib/x86_64-linux-gnu/libgcc_s.so.1")));
    }

    /** /var/task as AWS's documented images have it: the RIC's jars in lib/ and the handler's classes. */
    private static TestLayer functionLayer(Path classes) throws IOException {
        TestLayer layer = new TestLayer().dir("var").dir("var/task").dir("var/task/lib");
        try (Stream<Path> jars = Files.list(runtimeJars())) {
            for (Path jar : jars.filter(j -> j.getFileName().toString().endsWith(".jar")).sorted().toList()) {
                layer.file("var/task/lib/" + jar.getFileName(), Files.readAllBytes(jar), 0644, 0, 0);
            }
        }
        return tree(layer, classes, "var/task");
    }

    /** Adds what is under {@code source} to {@code layer} at {@code at}, a directory the layer already has. */
    private static TestLayer tree(TestLayer layer, Path source, String at) throws IOException {
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path path : paths.skip(1).sorted().toList()) {
                String target = at + "/" + source.relativize(path);
                if (Files.isSymbolicLink(path)) {
                    layer.symlink(target, Files.readSymbolicLink(path).toString());
                } else if (Files.isDirectory(path)) {
                    layer.dir(target, 0755, 0, 0);
                } else {
                    layer.file(target, Files.readAllBytes(path), Files.isExecutable(path) ? 0755 : 0644, 0, 0);
                }
            }
        }
        return layer;
    }

    private static Path runtimeJars() {
        return Path.of(System.getProperty("kindling.runtimes.dir"), "java", "lib");
    }

    /** Compiles {@link #HANDLER} against the aws-lambda-java-core jar the image carries, as InvokeJavaTest does. */
    private static Path compileTheHandler(Path dir) throws IOException {
        Path source = Files.createDirectories(dir.resolve("src/example")).resolve("Hello.java");
        Files.writeString(source, HANDLER);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Path core;
        try (Stream<Path> jars = Files.list(runtimeJars())) {
            core = jars.filter(j -> j.getFileName().toString().startsWith("aws-lambda-java-core-")).findFirst()
                    .orElseThrow();
        }
        int status = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "--release", "21", "-cp",
                core.toString(), "-d", classes.toString(), source.toString());
        assertThat(status).as("javac").isZero();
        return classes;
    }
}
