package io.kindling.worker.sandbox;

import static io.kindling.worker.sandbox.SandboxFiles.Access.EXECUTABLE;
import static io.kindling.worker.sandbox.SandboxFiles.Access.MISSING;
import static io.kindling.worker.sandbox.SandboxFiles.Access.NOT_EXECUTABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A container image as a sandbox's whole root, without starting one: the top-level layout, the bwrap argv, the
 * entrypoint check inside the image, the spec's invariants. {@code ContainerImageTest} (pool) runs real ones.
 */
class ImageRootTest {
    private Path dir;
    private Path image;

    @BeforeEach
    void layout() throws Exception {
        // Not @TempDir: links in it point at absolute paths (resolved inside the image, never followed here).
        dir = Files.createTempDirectory("kindling-image-root-");
        image = Files.createDirectories(dir.resolve("image"));
        file(image.resolve("usr/bin/app"), "rwxr-xr-x");
        file(image.resolve("usr/bin/data"), "rw-r--r--");
        file(image.resolve("etc/passwd"), "rw-r--r--");
        file(image.resolve("hello.txt"), "rw-r--r--");
        Files.createDirectories(image.resolve("proc/self"));
        Files.createDirectories(image.resolve("dev"));
        file(image.resolve("tmp/app"), "rwxr-xr-x");
        Files.createSymbolicLink(image.resolve("bin"), Path.of("usr/bin"));
        Files.createSymbolicLink(image.resolve("etc2"), Path.of("/etc"));
        Files.createSymbolicLink(image.resolve("entry"), Path.of("/bin/app"));
        // A host path the image does not have: inside the sandbox it is missing, whatever the host holds there.
        Files.createSymbolicLink(image.resolve("hostjava"), Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"));
        Files.createSymbolicLink(image.resolve("usr/bin/up"), Path.of("../../../../../../../usr/bin/app"));
        Process fifo = new ProcessBuilder("mkfifo", image.resolve("pipe").toString()).start();
        assertThat(fifo.waitFor()).isZero();
    }

    @AfterEach
    void remove() throws IOException {
        FileTrees.deleteRecursively(dir);
    }

    private static void file(Path path, String mode) throws IOException {
        Files.createDirectories(path.getParent());
        Files.writeString(path, "#!/bin/sh\n");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    }

    @Test
    void theTopLevelIsListedWithoutFollowingLinksAndWithoutWhatTheSandboxMakesItself() throws IOException {
        List<RootBind> entries = new ImageRoot(image, "/").entries();

        assertThat(entries).extracting(b -> b.target().toString())
                .containsExactly("/bin", "/entry", "/etc", "/etc2", "/hello.txt", "/hostjava", "/usr");
        assertThat(entries).filteredOn(b -> b.kind() == RootBind.Kind.SYMLINK)
                .extracting(RootBind::source).containsExactly("usr/bin", "/bin/app", "/etc",
                        "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
        assertThat(entries).filteredOn(b -> b.kind() == RootBind.Kind.READ_ONLY).extracting(RootBind::source)
                .containsExactly(image.resolve("etc").toString(), image.resolve("hello.txt").toString(),
                        image.resolve("usr").toString());
        // No fifo, no proc, dev or tmp of the image's own.
        assertThat(entries).noneMatch(b -> b.target().toString().matches("/(pipe|proc|dev|tmp)"));
    }

    @Test
    void theEntrypointIsJudgedInsideTheImageNeverOnTheHost() {
        SandboxFiles files = SandboxFiles.of(new ImageRoot(image, "/"));

        assertThat(files.access(Path.of("/usr/bin/app"))).isEqualTo(EXECUTABLE);
        assertThat(files.hostPath(Path.of("/bin/app"))).contains(image.resolve("usr/bin/app"));
        assertThat(files.access(Path.of("/entry"))).as("absolute link, via the /bin link").isEqualTo(EXECUTABLE);
        assertThat(files.access(Path.of("/usr/bin/up"))).as("'..' stops at the image's /").isEqualTo(EXECUTABLE);
        assertThat(files.access(Path.of("/usr/bin/data"))).isEqualTo(NOT_EXECUTABLE);
        assertThat(files.hostPath(Path.of("/etc2/passwd"))).contains(image.resolve("etc/passwd"));
        // The host has these; the image does not.
        assertThat(files.access(Path.of("/hostjava"))).isEqualTo(MISSING);
        assertThat(files.access(Path.of("/usr/bin/cat"))).isEqualTo(MISSING);
        assertThat(files.access(Path.of("/var/task/bootstrap"))).isEqualTo(MISSING);
        // The sandbox's own /tmp hides the image's.
        assertThat(files.access(Path.of("/tmp/app"))).isEqualTo(MISSING);
    }

    @Test
    void theArgvBindsEachTopLevelEntryAndNothingGenerated() throws Exception {
        BubblewrapDriver driver = BubblewrapDriver.create(BubblewrapConfig.defaults().withNamePrefix("kindling-argv")
                .withScratchRoot(dir.resolve("scratch")));
        SandboxSpec spec = SandboxSpec.imageBuilder("img", new ImageRoot(image, "/srv/app"))
                .command("/entry", "--flag")
                .limits(SandboxLimits.lambda(128, 16))
                .build();
        ScratchDir scratch = ScratchDir.create(dir.resolve("scratch"), "kindling-argv-img",
                Map.of("uid", "993", "gid", "993", "hostname", "sandbox"));

        List<String> args = driver.bwrapArguments(spec, driver.root(spec), scratch);

        assertThat(String.join(" ", args)).isEqualTo(
                "--unshare-all --share-net --unshare-user --disable-userns --uid 993 --gid 993 --cap-drop ALL --die-with-parent"
                        + " --new-session --hostname " + BubblewrapConfig.defaults().hostname() + " --clearenv --args 3"
                        + " --symlink usr/bin /bin --symlink /bin/app /entry --ro-bind " + image + "/etc /etc"
                        + " --symlink /etc /etc2 --ro-bind " + image + "/hello.txt /hello.txt"
                        + " --symlink /usr/lib/jvm/temurin-25-jdk-amd64/bin/java /hostjava --ro-bind " + image + "/usr /usr"
                        + " --proc /proc --dev /dev --size 16777216 --tmpfs /tmp --remount-ro / --chdir /srv/app"
                        + " -- /entry --flag");
        assertThat(args).doesNotContain("/etc/passwd", "/etc/group", "/etc/hosts", "/var/task", "/var/runtime");
    }

    @Test
    void aZipSandboxKeepsItsGeneratedFilesAndTaskRoot() throws Exception {
        BubblewrapDriver driver = BubblewrapDriver.create(BubblewrapConfig.defaults().withNamePrefix("kindling-argv")
                .withScratchRoot(dir.resolve("scratch")));
        SandboxSpec spec = SandboxSpec.builder("zip", image).limits(SandboxLimits.lambda(128, 16)).build();
        ScratchDir scratch = ScratchDir.create(dir.resolve("scratch"), "kindling-argv-zip",
                Map.of("uid", "993", "gid", "993", "hostname", "sandbox"));

        String args = String.join(" ", driver.bwrapArguments(spec, driver.root(spec), scratch));

        assertThat(args).contains(" --ro-bind " + scratch.etcFile("passwd") + " /etc/passwd"
                + " --ro-bind " + scratch.etcFile("group") + " /etc/group"
                + " --ro-bind " + scratch.etcFile("hosts") + " /etc/hosts"
                + " --ro-bind " + image + " /var/task --proc /proc");
        assertThat(args).contains("--remount-ro / --chdir /var/task -- /var/task/bootstrap");
    }

    @Test
    void anImageRootMustNotExposeForbiddenHostPaths() throws Exception {
        BubblewrapDriver driver = BubblewrapDriver.create(BubblewrapConfig.defaults().withNamePrefix("kindling-argv")
                .withScratchRoot(dir.resolve("scratch")));
        for (String root : List.of("/", "/var", "/etc")) {
            SandboxSpec spec = SandboxSpec.imageBuilder("img", new ImageRoot(Path.of(root), "/")).build();
            assertThatThrownBy(() -> driver.root(spec)).as(root).isInstanceOf(SandboxException.InvalidSpec.class)
                    .hasMessageContaining("would expose");
        }
        SandboxSpec gone = SandboxSpec.imageBuilder("img", new ImageRoot(dir.resolve("unmounted"), "/")).build();
        assertThatThrownBy(() -> driver.root(gone)).isInstanceOf(SandboxException.InvalidSpec.class)
                .hasMessageContaining("cannot be listed");
    }

    @Test
    void anImageSpecIsTheWholeRoot() {
        ImageRoot root = new ImageRoot(image, "/app/../srv");
        SandboxSpec spec = SandboxSpec.imageBuilder("img", root).build();

        assertThat(spec.codeDir()).isEqualTo(image);
        assertThat(spec.rootBinds()).isEmpty();
        assertThat(spec.workingDirectory()).isEqualTo("/srv");
        assertThat(SandboxSpec.builder("zip", image).build().workingDirectory()).isEqualTo("/var/task");
        assertThatThrownBy(() -> new ImageRoot(image, "relative")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ImageRoot(Path.of("relative"), "/")).isInstanceOf(IllegalArgumentException.class);
        // Host pieces or a runtime directory mixed into an image would be a second root.
        assertThatThrownBy(() -> new SandboxSpec("img", image, List.of("/x"), Map.of(), spec.limits(), spec.output(),
                RootFilesystems.debian12Host(), java.util.Optional.empty(), java.util.Optional.of(root)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SandboxSpec("img", dir, List.of("/x"), Map.of(), spec.limits(), spec.output(),
                List.of(), java.util.Optional.empty(), java.util.Optional.of(root)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("codeDir");
    }
}
