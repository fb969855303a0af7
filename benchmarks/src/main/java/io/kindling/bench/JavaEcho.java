package io.kindling.bench;

import io.kindling.worker.pool.Runtime;
import io.kindling.worker.pool.Runtimes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * The Java runtime of the invoke figures: a {@code java21} function whose handler is a {@code RequestStreamHandler}
 * echo, compiled at benchmark start with javax.tools against the aws-lambda-java-core jar the runtime ships (as a user
 * would build one) and run by the real AWS Lambda Java runtime interface client (the RIC) on the host's JDK 25, with the
 * command line of the worker's runtime catalog ({@code java.tsv}).
 *
 * <p>A stream handler, not {@code RequestHandler<Map, Map>}: the bytes go through untouched, so the figures are the
 * JVM, the RIC and Kindling, not the RIC's JSON serialisation library (which a POJO or Map handler also loads and runs).
 * Like the C runtime it answers the event {@code "clock"} with two monotonic times: when the RIC had loaded the handler
 * class (its static initialiser: the JVM and the RIC have started, the first {@code /next} is still to come) and when
 * {@code handleRequest} was entered with the event. The JVM's {@code System.nanoTime} is CLOCK_MONOTONIC, the
 * benchmark's clock.
 *
 * <p>The bare baseline is the catalog's very command ({@link Runtime#command}), with {@code /var/runtime} and
 * {@code /var/task} replaced by their host directories, started in the classes' directory (the RIC loads the function
 * from its working directory, which bwrap sets to {@code /var/task}) with the variables a sandbox gets.
 */
final class JavaEcho {
    static final String RUNTIME = "java21";
    static final String HANDLER = "bench.Echo::handleRequest";

    static final String SOURCE = """
            package bench;

            import com.amazonaws.services.lambda.runtime.Context;
            import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
            import java.io.IOException;
            import java.io.InputStream;
            import java.io.OutputStream;
            import java.nio.charset.StandardCharsets;
            import java.util.Arrays;

            /** Echoes the event; answers "clock" with when this class was loaded and when the event arrived. */
            public final class Echo implements RequestStreamHandler {
                private static final long LOADED_NS = System.nanoTime();
                private static final byte[] CLOCK = "\\"clock\\"".getBytes(StandardCharsets.US_ASCII);

                @Override
                public void handleRequest(InputStream in, OutputStream out, Context context) throws IOException {
                    long entered = System.nanoTime();
                    byte[] event = in.readAllBytes();
                    if (!Arrays.equals(event, CLOCK)) {
                        out.write(event);
                        return;
                    }
                    // No string concatenation: it would bootstrap invokedynamic on the first call.
                    StringBuilder clock = new StringBuilder("{\\"main_ns\\":").append(LOADED_NS).append(",\\"next_ns\\":")
                            .append(entered).append('}');
                    out.write(clock.toString().getBytes(StandardCharsets.US_ASCII));
                }
            }
            """;

    private JavaEcho() {}

    /**
     * Compiles the handler into {@code dir/java/classes} and packages it.
     *
     * @throws IOException when this JVM has no compiler, the runtime catalog or the runtime's jars are missing, or the
     *                     handler does not compile; the message says why
     */
    static ProvidedBootstraps.Bootstrap compiled(Path dir) throws IOException {
        Runtime java;
        try {
            java = Runtimes.load().get(RUNTIME);
        } catch (RuntimeException e) {
            throw new IOException("no " + RUNTIME + " runtime: " + e.getMessage(), e);
        }
        Path runtimeDir = java.runtimeDir().orElseThrow(() -> new IOException(RUNTIME + " has no runtime directory"));
        Path core;
        String ric;
        try (Stream<Path> jars = Files.list(runtimeDir.resolve("lib"))) {
            List<String> names = jars.map(p -> p.getFileName().toString()).sorted().toList();
            core = runtimeDir.resolve("lib").resolve(names.stream().filter(n -> n.startsWith("aws-lambda-java-core-"))
                    .findFirst().orElseThrow(() -> new IOException("no aws-lambda-java-core jar in " + runtimeDir)));
            ric = names.stream().filter(n -> n.startsWith("aws-lambda-java-runtime-interface-client-"))
                    .map(n -> n.substring("aws-lambda-java-runtime-interface-client-".length()).replace(".jar", ""))
                    .findFirst().orElse("?");
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IOException("this JVM has no Java compiler (a JRE, not a JDK)");
        }
        Path work = Files.createDirectories(dir.resolve("java"));
        Path source = Files.createDirectories(work.resolve("src/bench")).resolve("Echo.java");
        Files.writeString(source, SOURCE);
        Path classes = Files.createDirectories(work.resolve("classes"));
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int status = javac.run(null, diagnostics, diagnostics, "--release", "21", "-cp", core.toString(), "-d",
                classes.toString(), source.toString());
        if (status != 0) {
            throw new IOException("javac failed: " + diagnostics.toString(StandardCharsets.UTF_8).strip());
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                entries.put(classes.relativize(file).toString(), Files.readAllBytes(file));
            }
        }
        byte[] zip = ProvidedBootstraps.zip(entries, 0100644);
        return new ProvidedBootstraps.Bootstrap("java", "java21, AWS Java RIC " + ric + " (RequestStreamHandler echo)",
                RUNTIME, HANDLER, zip, true, true, bare(java, runtimeDir, classes));
    }

    /** The catalog's command and a sandbox's variables, with host paths for /var/runtime and /var/task. */
    private static ProvidedBootstraps.Bare bare(Runtime java, Path runtimeDir, Path classes) {
        List<String> command = new ArrayList<>();
        for (String argument : java.command(HANDLER, InvokeTarget.FULL_CORE_MB)) {
            command.add(hostPaths(argument, runtimeDir, classes));
        }
        Map<String, String> env = new LinkedHashMap<>();
        java.environment().forEach((name, value) -> env.put(name, hostPaths(value, runtimeDir, classes)));
        // As ExecutionEnvironment gives a sandbox, but for AWS_LAMBDA_RUNTIME_API (the fake's) and PATH.
        env.put("AWS_LAMBDA_FUNCTION_NAME", "bare-java");
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(InvokeTarget.FULL_CORE_MB));
        env.put("AWS_LAMBDA_FUNCTION_TIMEOUT", "30");
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bare-java");
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]00000000000000000000000000000000");
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_" + RUNTIME);
        env.put("AWS_REGION", KindlingUnderTest.REGION);
        env.put("AWS_DEFAULT_REGION", KindlingUnderTest.REGION);
        env.put("_HANDLER", HANDLER);
        env.put("LAMBDA_TASK_ROOT", classes.toString());
        env.put("LAMBDA_RUNTIME_DIR", runtimeDir.toString());
        env.put("TZ", ":UTC");
        env.put("LANG", "en_US.UTF-8");
        env.put("LD_LIBRARY_PATH", hostPaths("/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
                runtimeDir, classes));
        return new ProvidedBootstraps.Bare(List.copyOf(command), classes, env);
    }

    private static String hostPaths(String value, Path runtimeDir, Path classes) {
        return value.replace("/var/runtime", runtimeDir.toString()).replace("/var/task", classes.toString());
    }
}
