package io.kindling.worker.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.kindling.chunks.FileTrees;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Java handlers for tests, compiled at test time into a function's code directory the way a Lambda zip holds them
 * (classes at the root), against the very jars the sandbox gets at /var/runtime/lib.
 */
final class JavaHandlers {
    private JavaHandlers() {}

    /**
     * Compiles {@code sources} (class name to source) for {@code release} into {@code codeDir}.
     *
     * @param runtimeLib the host directory of the Java runtime's jars (aws-lambda-java-core among them)
     */
    static void compile(Path codeDir, Path runtimeLib, int release, Map<String, String> sources) throws IOException {
        Path sourceDir = Files.createTempDirectory("kindling-handler-src-");
        try {
            List<String> files = new ArrayList<>();
            for (var source : sources.entrySet()) {
                Path file = sourceDir.resolve(source.getKey().replace('.', '/') + ".java");
                Files.createDirectories(file.getParent());
                Files.writeString(file, source.getValue());
                files.add(file.toString());
            }
            String classPath;
            try (Stream<Path> jars = Files.list(runtimeLib)) {
                classPath = String.join(":", jars.filter(p -> p.toString().endsWith(".jar")).map(Path::toString).toList());
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
            List<String> arguments = new ArrayList<>(List.of("--release", Integer.toString(release),
                    "-classpath", classPath, "-d", codeDir.toString(), "-Xlint:none"));
            arguments.addAll(files);
            int status = javac.run(null, diagnostics, diagnostics, arguments.toArray(String[]::new));
            assertThat(status).as("javac:%n%s", diagnostics.toString(StandardCharsets.UTF_8)).isZero();
        } finally {
            FileTrees.deleteRecursively(sourceDir);
        }
    }
}
