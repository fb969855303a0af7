package io.kindling.worker.sandbox;

import static io.kindling.worker.sandbox.SandboxFiles.Access.EXECUTABLE;
import static io.kindling.worker.sandbox.SandboxFiles.Access.MISSING;
import static io.kindling.worker.sandbox.SandboxFiles.Access.NOT_EXECUTABLE;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Paths inside a sandbox resolved on the host, as the kernel inside would resolve them; no sandbox is started. */
class SandboxFilesTest {
    @TempDir
    Path dir;
    Path code;
    Path runtime;
    SandboxFiles files;

    @BeforeEach
    void layout() throws IOException {
        code = Files.createDirectory(dir.resolve("code"));
        runtime = Files.createDirectories(dir.resolve("runtime/lib"));
        files = SandboxFiles.of(code, Optional.of(dir.resolve("runtime")), RootFilesystems.debian12Host());
    }

    private Path file(Path path, String mode) throws IOException {
        Files.createDirectories(path.getParent());
        Files.writeString(path, "#!/bin/sh\n");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
        return path;
    }

    @Test
    void theBootstrapInTheCodeIsExecutableOnlyWithExecutePermissionForOthers() throws IOException {
        assertThat(files.access(Path.of("/var/task/bootstrap"))).isEqualTo(MISSING);

        file(code.resolve("bootstrap"), "rwxr-xr-x");
        assertThat(files.access(Path.of("/var/task/bootstrap"))).isEqualTo(EXECUTABLE);
        assertThat(files.hostPath(Path.of("/var/task/bootstrap"))).contains(code.resolve("bootstrap"));

        // The sandbox uid is "others" to every host file: the owner's x is not enough.
        Files.setPosixFilePermissions(code.resolve("bootstrap"), PosixFilePermissions.fromString("rwxr--r--"));
        assertThat(files.access(Path.of("/var/task/bootstrap"))).isEqualTo(NOT_EXECUTABLE);
    }

    @Test
    void aDirectoryIsThereButNotExecutable() throws IOException {
        Files.createDirectory(code.resolve("bootstrap"));
        assertThat(files.access(Path.of("/var/task/bootstrap"))).isEqualTo(NOT_EXECUTABLE);
    }

    @Test
    void linksInTheCodeResolveInsideTheSandboxNotOnTheHost() throws IOException {
        file(code.resolve("bin/app"), "rwxr-xr-x");
        // Absolute: means /var/task/bin/app inside; on the host that path does not exist.
        Files.createSymbolicLink(code.resolve("bootstrap"), Path.of("/var/task/bin/app"));
        Files.createSymbolicLink(code.resolve("relative"), Path.of("bin/../bin/app"));
        Files.createSymbolicLink(code.resolve("shell"), Path.of("/bin/sh"));
        Files.createSymbolicLink(code.resolve("dangling"), Path.of("/var/task/nowhere"));
        Files.createSymbolicLink(code.resolve("loop"), Path.of("/var/task/loop"));
        // Outside every bind: the sandbox has no /home.
        Files.createSymbolicLink(code.resolve("escape"), dir.resolve("code/bin/app"));

        assertThat(files.hostPath(Path.of("/var/task/bootstrap"))).contains(code.resolve("bin/app"));
        assertThat(files.access(Path.of("/var/task/bootstrap"))).isEqualTo(EXECUTABLE);
        assertThat(files.access(Path.of("/var/task/relative"))).isEqualTo(EXECUTABLE);
        assertThat(files.access(Path.of("/var/task/shell"))).isEqualTo(EXECUTABLE);
        assertThat(files.access(Path.of("/var/task/dangling"))).isEqualTo(MISSING);
        assertThat(files.access(Path.of("/var/task/loop"))).isEqualTo(MISSING);
        assertThat(files.access(Path.of("/var/task/escape"))).isEqualTo(MISSING);
        // Links to targets outside the temporary directory make JUnit warn when it deletes it.
        for (String link : List.of("bootstrap", "shell", "dangling", "loop")) {
            Files.delete(code.resolve(link));
        }
    }

    @Test
    void theRootsLinksAndBindsAreFollowed() {
        // /bin is the root's symlink to usr/bin; /usr a bind of the host's /usr.
        assertThat(files.access(Path.of("/bin/sh"))).isEqualTo(EXECUTABLE);
        assertThat(files.hostPath(Path.of("/lib64/ld-linux-x86-64.so.2"))).isPresent();
        assertThat(files.access(Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"))).isEqualTo(EXECUTABLE);
        // Not bound, so not there, whatever the host has.
        assertThat(files.access(Path.of("/home"))).isEqualTo(MISSING);
        assertThat(files.access(Path.of("/etc/shadow"))).isEqualTo(MISSING);
        // Made by bwrap, not from host paths: unknown here, and never an entrypoint.
        assertThat(files.hostPath(Path.of("/etc/passwd"))).isEmpty();
        assertThat(files.hostPath(Path.of("/tmp/x"))).isEmpty();
    }

    @Test
    void theRuntimeDirectoryIsAtVarRuntime() throws IOException {
        file(runtime.resolve("bootstrap"), "rwxr-xr-x");
        assertThat(files.access(Path.of("/var/runtime/lib/bootstrap"))).isEqualTo(EXECUTABLE);

        SandboxFiles withoutRuntime = SandboxFiles.of(code, Optional.empty(), List.of(
                RootBind.readOnly(Path.of("/usr"), "binaries")));
        assertThat(withoutRuntime.access(Path.of("/var/runtime/lib/bootstrap"))).isEqualTo(MISSING);
        assertThat(withoutRuntime.access(Path.of("/bin/sh"))).as("no /bin link in this root").isEqualTo(MISSING);
    }
}
