package io.kindling.worker.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Java runtime directory the build makes (target/runtimes/java/lib): exactly the runtime interface client and the
 * jars its own manifest asks for, so a version bump in the parent pom that drifts from the client's needs fails here
 * rather than in a sandbox; and the JNI library where java.tsv points the client.
 */
class RuntimeLibraryTest {
    private static final Path LIB = Runtimes.defaultDirectory().resolve("java/lib");

    @Test
    void theLibraryIsTheClientAndExactlyTheJarsItsManifestNames() throws IOException {
        List<String> jars;
        try (Stream<Path> files = Files.list(LIB)) {
            jars = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).sorted().toList();
        }
        Path client = jars.stream().filter(n -> n.startsWith("aws-lambda-java-runtime-interface-client-"))
                .map(LIB::resolve).findFirst().orElseThrow();
        String classPath;
        try (JarFile jar = new JarFile(client.toFile())) {
            classPath = jar.getManifest().getMainAttributes().getValue("Class-Path");
        }

        List<String> expected = Stream.concat(Stream.of(client.getFileName().toString()),
                Arrays.stream(classPath.trim().split("\\s+"))).sorted().toList();
        assertThat(jars).isEqualTo(expected);
    }

    @Test
    void theJniLibraryIsWhereTheCommandLineSaysAndMatchesTheOneInTheJar() throws IOException {
        Runtime java = Runtimes.load().get("java21");
        String property = java.command("h", 128).stream()
                .filter(a -> a.startsWith("-Dcom.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI="))
                .findFirst().orElseThrow();
        String inSandbox = property.substring(property.indexOf('=') + 1);
        assertThat(inSandbox).startsWith("/var/runtime/");
        Path onHost = java.runtimeDir().orElseThrow().resolve(inSandbox.substring("/var/runtime/".length()));

        Path client;
        try (Stream<Path> files = Files.list(LIB)) {
            client = files.filter(p -> p.getFileName().toString().startsWith("aws-lambda-java-runtime-interface-client-"))
                    .findFirst().orElseThrow();
        }
        try (JarFile jar = new JarFile(client.toFile())) {
            byte[] packaged = jar.getInputStream(jar.getEntry("jni/" + onHost.getFileName())).readAllBytes();
            assertThat(Files.readAllBytes(onHost)).isEqualTo(packaged);
        }
    }
}
