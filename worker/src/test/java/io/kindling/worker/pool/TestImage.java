package io.kindling.worker.pool;

import io.kindling.chunks.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A minimal container image root built from host files, as a flattened image would be laid out: dash (as /usr/bin/sh),
 * cat and curl with every library {@code ldd} names for them, merged-/usr links ({@code bin -> usr/bin},
 * {@code lib64 -> usr/lib64}), an /etc/passwd of its own, and a shell {@code /var/task/bootstrap} that runs each event
 * as a shell command and answers with its output. Files are copies (never hard links), so nothing done to the image
 * (the setuid bit on its cat) touches a host file. Deleted by {@link #close()}.
 */
final class TestImage implements AutoCloseable {
    /** The image's own /etc/passwd: neither the host's nor the one generated for zip sandboxes. */
    static final String PASSWD = "root:x:0:0:image root:/root:/bin/sh\nimageuser:x:4242:4242:from the image:/app:/bin/sh\n";

    /**
     * The Runtime API loop with shell builtins and curl only (the image has no grep, cut or tr): the event is a shell
     * command, its output (stdout and stderr) the response.
     */
    static final String BOOTSTRAP = """
            #!/bin/sh
            API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01"
            CR=$(printf '\\r')
            while true; do
              curl -sS -f -o /tmp/event -D /tmp/headers "$API/runtime/invocation/next" || exit 1
              REQUEST_ID=
              while IFS= read -r line; do
                case "$line" in
                  [Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d:*) REQUEST_ID=${line#*: }; REQUEST_ID=${REQUEST_ID%"$CR"} ;;
                esac
              done < /tmp/headers
              sh -c "$(cat /tmp/event)" > /tmp/out 2>&1
              curl -sS -f -o /dev/null --data-binary @/tmp/out "$API/runtime/invocation/$REQUEST_ID/response"
            done
            """;

    final Path dir;
    final Path root;

    private TestImage(Path dir, Path root) {
        this.dir = dir;
        this.root = root;
    }

    /** Builds the image under a fresh world-traversable directory in /tmp (the sandbox uid must reach it). */
    static TestImage build() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "kindling-image-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path root = directory(dir.resolve("root"));
        TestImage image = new TestImage(dir, root);
        List<String> binaries = List.of("/usr/bin/dash", "/usr/bin/cat", "/usr/bin/curl");
        Set<Path> files = new LinkedHashSet<>();
        for (String binary : binaries) {
            files.add(Path.of(binary));
            files.addAll(libraries(binary));
        }
        for (Path file : files) {
            image.copy(file);
        }
        Files.createSymbolicLink(root.resolve("usr/bin/sh"), Path.of("dash"));
        Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));
        Files.createSymbolicLink(root.resolve("lib"), Path.of("usr/lib"));
        Files.createSymbolicLink(root.resolve("lib64"), Path.of("usr/lib64"));
        image.write("etc/passwd", PASSWD, "rw-r--r--");
        // A regular file at the top level: bound on its own, as directories are.
        image.write("image-release", "kindling test image\n", "rw-r--r--");
        image.write("var/task/bootstrap", BOOTSTRAP, "rwxr-xr-x");
        directory(root.resolve("srv/app"));
        // An absolute link to a path the host has: inside the sandbox it must mean the image's /etc.
        Files.createSymbolicLink(root.resolve("etc2"), Path.of("/etc"));
        // An entrypoint reached through an absolute link inside the image.
        directory(root.resolve("usr/local/bin"));
        Files.createSymbolicLink(root.resolve("usr/local/bin/entry"), Path.of("/var/task/bootstrap"));
        // A setuid-root cat: if setuid worked in the sandbox, its effective uid would be 0.
        Path suid = root.resolve("usr/bin/suidcat");
        Files.copy(Path.of("/usr/bin/cat"), suid);
        Files.setPosixFilePermissions(suid, PosixFilePermissions.fromString("rwxr-xr-x"));
        chmod("4755", suid);
        // What bwrap makes fresh: the image's own must stay hidden.
        image.write("tmp/from-the-image", "image tmp\n", "rw-r--r--");
        directory(root.resolve("proc"));
        directory(root.resolve("dev"));
        return image;
    }

    /** The paths {@code ldd} lists for {@code binary} (the vDSO has none). */
    private static List<Path> libraries(String binary) throws Exception {
        Process ldd = new ProcessBuilder("ldd", binary).redirectErrorStream(true).start();
        String out = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ldd.waitFor(30, TimeUnit.SECONDS) || ldd.exitValue() != 0) {
            throw new IOException("ldd " + binary + ": " + out);
        }
        return out.lines()
                .flatMap(line -> java.util.Arrays.stream(line.trim().split("\\s+")))
                .filter(token -> token.startsWith("/"))
                .map(Path::of)
                .toList();
    }

    /**
     * Copies a host file to the same place in the image, the directories on its way resolved as on the host (so
     * {@code /lib/x86_64-linux-gnu/libc.so.6} lands in {@code usr/lib/x86_64-linux-gnu}, reached through the image's
     * own {@code lib} link) and the file itself under the name the loader looks for.
     */
    private void copy(Path hostFile) throws IOException {
        Path parent = hostFile.getParent().toRealPath();
        Path target = root.resolve(Path.of("/").relativize(parent).toString()).resolve(hostFile.getFileName().toString());
        directory(target.getParent());
        if (!Files.exists(target)) {
            Files.copy(hostFile, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    private void write(String path, String text, String mode) throws IOException {
        Path file = root.resolve(path);
        directory(file.getParent());
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    }

    private static Path directory(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    /** Java cannot set the setuid bit. */
    private static void chmod(String mode, Path file) throws Exception {
        Process chmod = new ProcessBuilder("chmod", mode, file.toString()).redirectErrorStream(true).start();
        String out = new String(chmod.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!chmod.waitFor(30, TimeUnit.SECONDS) || chmod.exitValue() != 0) {
            throw new IOException("chmod " + mode + " " + file + ": " + out);
        }
    }

    @Override
    public void close() throws IOException {
        FileTrees.deleteRecursively(dir);
    }
}
