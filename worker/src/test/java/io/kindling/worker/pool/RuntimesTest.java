package io.kindling.worker.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.worker.sandbox.RootFilesystems;
import io.kindling.worker.sandbox.SandboxFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime catalog as data: what it lists, what it builds from each file, and what it refuses. */
class RuntimesTest {
    @TempDir
    Path dir;

    /** A runtimes directory as the build makes it, readable by others down from /. */
    private Path runtimesDirectory() throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path lib = Files.createDirectories(dir.resolve("runtimes/java/lib"));
        Files.writeString(lib.resolve("client.jar"), "jar");
        return dir.resolve("runtimes");
    }

    @Test
    void theCatalogHasLambdasOsOnlyAndJavaIdentifiers() throws IOException {
        Runtimes runtimes = Runtimes.load(runtimesDirectory());

        // The frontend's supported list (SettingsValidator.SUPPORTED_RUNTIMES): each must be startable.
        assertThat(runtimes.identifiers()).containsExactly(
                "provided", "provided.al2", "provided.al2023", "java17", "java21", "java25");
        for (String identifier : runtimes.identifiers()) {
            assertThat(runtimes.get(identifier).name()).isEqualTo(identifier);
        }
        assertThat(runtimes.find("python3.12")).isEmpty();
        assertThatThrownBy(() -> runtimes.get("nodejs22.x")).hasMessageContaining("java21");
    }

    @Test
    void providedRunsTheBootstrapInTheCodeAndChecksItFirst() throws IOException {
        Runtime provided = Runtimes.load(runtimesDirectory()).get("provided.al2023");

        assertThat(provided.command("ignored.handler", 128)).containsExactly("/var/task/bootstrap");
        assertThat(provided.entrypoints()).containsExactly(Path.of("/var/task/bootstrap"));
        assertThat(provided.runtimeDir()).isEmpty();
        assertThat(provided.rootBinds()).isEqualTo(RootFilesystems.debian12Host());
        assertThat(Runtime.provided()).isEqualTo(new Runtime("provided", provided.command(), provided.environment(),
                provided.rootBinds(), provided.runtimeDir(), provided.entrypoints()));
    }

    @Test
    void theJavaRuntimesStartTheClientOnJdk25WithLambdasHeapAndTheHandler() throws IOException {
        Path directory = runtimesDirectory();
        Runtime java21 = Runtimes.load(directory).get("java21");

        List<String> command = java21.command("example.Handler::handleRequest", 512);

        assertThat(command.getFirst()).isEqualTo("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
        assertThat(command).contains("-XX:MaxHeapSize=445645k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
        assertThat(command.subList(command.size() - 4, command.size())).containsExactly("-classpath",
                "/var/runtime/lib/*", "com.amazonaws.services.lambda.runtime.api.client.AWSLambda",
                "example.Handler::handleRequest");
        assertThat(java21.runtimeDir()).contains(directory.toAbsolutePath().resolve("java"));
        assertThat(java21.entrypoints()).containsExactly(Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"));
        // Same definition, own identifier.
        Runtime java17 = Runtimes.load(directory).get("java17");
        assertThat(java17.command("h", 512)).isEqualTo(java21.command("h", 512));
        assertThat(java17.name()).isEqualTo("java17");
    }

    @Test
    void theHeapFollowsTheConfiguredMemory() throws IOException {
        Runtime java = Runtimes.load(runtimesDirectory()).get("java25");
        assertThat(java.command("h", 128)).contains("-XX:MaxHeapSize=111411k");
        assertThat(java.command("h", 10240)).contains("-XX:MaxHeapSize=8912896k");
    }

    @Test
    void aMissingRuntimeDirectoryOrOneTheSandboxCannotReadIsRefusedAtLoad() throws IOException {
        assertThatThrownBy(() -> Runtimes.load(dir.resolve("nowhere")))
                .hasMessageContaining("runtime directory " + dir.resolve("nowhere/java") + " is missing");

        Path directory = runtimesDirectory();
        Files.setPosixFilePermissions(directory.resolve("java/lib/client.jar"), PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> Runtimes.load(directory)).hasMessageContaining("client.jar lacks OTHERS_READ");

        Files.setPosixFilePermissions(directory.resolve("java/lib/client.jar"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        assertThatThrownBy(() -> Runtimes.load(directory)).hasMessageContaining(dir + " lacks OTHERS_EXECUTE");
    }

    @Test
    void theDefaultDirectoryIsTheBuildsOrTheConfiguredOne() throws IOException {
        // From target/classes in this build: the worker's own target/runtimes, which the build filled.
        assertThat(Runtimes.defaultDirectory()).endsWith(Path.of("worker/target/runtimes"));
        String before = System.getProperty(Runtimes.DIRECTORY_PROPERTY);
        try {
            System.setProperty(Runtimes.DIRECTORY_PROPERTY, runtimesDirectory().toString());
            assertThat(Runtimes.defaultDirectory()).isEqualTo(dir.resolve("runtimes"));
        } finally {
            if (before == null) {
                System.clearProperty(Runtimes.DIRECTORY_PROPERTY);
            } else {
                System.setProperty(Runtimes.DIRECTORY_PROPERTY, before);
            }
        }
    }

    @Test
    void theBuildsRuntimesDirectoryIsFoundFromEitherLayout() throws IOException {
        // The reactor: target/classes beside target/runtimes.
        Path classes = Files.createDirectories(dir.resolve("worker/target/classes"));
        Files.createDirectories(dir.resolve("worker/target/runtimes"));
        assertThat(Runtimes.beside(classes)).isEqualTo(dir.resolve("worker/target/runtimes"));
        // The distribution: target/lib/kindling-worker.jar, with target/runtimes beside lib/.
        Path jar = Files.createDirectories(dir.resolve("cli/target/lib")).resolve("kindling-worker-0.1.0-SNAPSHOT.jar");
        Files.createDirectories(dir.resolve("cli/target/runtimes"));
        assertThat(Runtimes.beside(jar)).isEqualTo(dir.resolve("cli/target/runtimes"));

        assertThatThrownBy(() -> Runtimes.beside(dir.resolve("elsewhere/lib/x.jar")))
                .hasMessageContaining("no runtimes directory").hasMessageContaining(Runtimes.DIRECTORY_PROPERTY);
    }

    @Test
    void anEntrypointIsJudgedAsLambdaWordsIt() throws IOException {
        Path code = Files.createDirectory(dir.resolve("code"));
        Runtime provided = Runtime.provided();
        SandboxFiles files = SandboxFiles.of(code, Optional.empty(), provided.rootBinds());

        assertThat(provided.invalidEntrypoint(files)).contains("Couldn't find valid bootstrap(s): [/var/task/bootstrap]");
        Path bootstrap = Files.writeString(code.resolve("bootstrap"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(bootstrap, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(provided.invalidEntrypoint(files)).contains("fork/exec /var/task/bootstrap: permission denied");
        Files.setPosixFilePermissions(bootstrap, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(provided.invalidEntrypoint(files)).isEmpty();

        // Several candidates: the first that exists decides; the message lists them all.
        Runtime twoPlaces = new Runtime("custom", List.of("/opt/bootstrap"), Map.of(), provided.rootBinds(),
                Optional.empty(), List.of(Path.of("/opt/bootstrap"), Path.of("/var/task/nope")));
        assertThat(twoPlaces.invalidEntrypoint(files)).contains("Couldn't find valid bootstrap(s): [/opt/bootstrap /var/task/nope]");
        assertThat(new Runtime("none", List.of("/bin/true"), Map.of(), provided.rootBinds()).invalidEntrypoint(files)).isEmpty();
    }

    @Test
    void commandPlaceholdersAreCheckedWhenTheRuntimeIsBuilt() {
        assertThat(CommandTemplate.fill("--mem={memoryMb}:{memoryKiB:50%}k:{handler}", "a.B::c", 256))
                .isEqualTo("--mem=256:131072k:a.B::c");
        assertThat(CommandTemplate.fill("no placeholders", "h", 128)).isEqualTo("no placeholders");
        for (String bad : List.of("{handlr}", "{memoryKiB:101%}", "{memoryKiB:85}", "{}")) {
            assertThatThrownBy(() -> new Runtime("r", List.of("/bin/x", bad), Map.of(), RootFilesystems.debian12Host()))
                    .as(bad).hasMessageContaining("unknown placeholder");
        }
    }
}
