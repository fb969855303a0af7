package io.kindling.chunks.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kindling.chunks.image.HostCommand;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's docker-registry (CNCF distribution 2.8), started for a test on a free loopback port with
 * its storage under the test's directory, optionally behind an htpasswd file; its access log is
 * kept to count the requests a pull made. Images are pushed into it with skopeo.
 */
public final class LocalRegistry implements AutoCloseable {
    private static final String BINARY = "/usr/bin/docker-registry";
    private final Process process;
    private final int port;
    private final Path storage;
    private final Path log;
    private final Optional<RegistryCredentials> credentials;

    private LocalRegistry(Process process, int port, Path storage, Path log, Optional<RegistryCredentials> credentials) {
        this.process = process;
        this.port = port;
        this.storage = storage;
        this.log = log;
        this.credentials = credentials;
    }

    public static LocalRegistry start(Path dir) throws Exception {
        return start(dir, Optional.empty());
    }

    /** A registry that only lets {@code credentials} pull and push (basic auth over an htpasswd file, bcrypt as it requires). */
    public static LocalRegistry start(Path dir, Optional<RegistryCredentials> credentials) throws Exception {
        assertThat(Path.of(BINARY)).as("Debian's docker-registry (bin/test installs it)").isExecutable();
        Path storage = Files.createDirectories(dir.resolve("storage"));
        String auth = "";
        if (credentials.isPresent()) {
            Path htpasswd = dir.resolve("htpasswd");
            HostCommand.Result made = HostCommand.run(List.of("htpasswd", "-Bbc", htpasswd.toString(),
                    credentials.get().username(), credentials.get().password()), Duration.ofSeconds(30));
            assertThat(made.succeeded()).as(made.describe()).isTrue();
            auth = "auth:\n  htpasswd:\n    realm: kindling-test\n    path: " + htpasswd + "\n";
        }
        int port = freePort();
        Path config = dir.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: info
                  accesslog:
                    disabled: false
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                %s""".formatted(storage, port, auth));
        Path log = dir.resolve("registry.log");
        Process process = new ProcessBuilder(BINARY, "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        LocalRegistry registry = new LocalRegistry(process, port, storage, log, credentials);
        try (HttpClient http = HttpClient.newHttpClient()) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
                assertThat(process.isAlive()).as("docker-registry is running; its log:\n" + Files.readString(log)).isTrue();
                int status = http.send(HttpRequest.newBuilder(URI.create("http://" + registry.address() + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                return status == 200 || status == 401;
            });
        } catch (RuntimeException | Error e) {
            registry.close();
            throw e;
        }
        return registry;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** {@code 127.0.0.1:<port>}, as the registry part of an image reference. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    public ImageReference image(String repositoryAndTag) {
        return ImageReference.parse(address() + "/" + repositoryAndTag);
    }

    /**
     * Pushes {@code tag} of an OCI layout to {@code repository:tag} here, keeping the manifests' bytes
     * (so their digests stay what the layout says); {@code all} pushes every image of an index.
     */
    public void push(OciLayoutBuilder layout, String tag, String repositoryAndTag, boolean all) throws Exception {
        push(layout, tag, repositoryAndTag, all, false);
    }

    /**
     * Pushes as {@link #push(OciLayoutBuilder, String, String, boolean)} does, or with {@code asDocker}
     * converted by skopeo to Docker's schema 2 (manifest, manifest list and layer media types; new digests).
     */
    public void push(OciLayoutBuilder layout, String tag, String repositoryAndTag, boolean all, boolean asDocker) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("skopeo", "--insecure-policy", "copy", "--quiet",
                "--dest-tls-verify=false"));
        command.addAll(asDocker ? List.of("--format", "v2s2") : List.of("--preserve-digests"));
        if (all) {
            command.add("--all");
        }
        credentials.ifPresent(c -> {
            command.add("--dest-creds");
            command.add(c.username() + ":" + c.password());
        });
        command.add("oci:" + layout.dir() + ":" + tag);
        command.add("docker://" + address() + "/" + repositoryAndTag);
        HostCommand.Result pushed = HostCommand.run(command, Duration.ofSeconds(120));
        assertThat(pushed.succeeded()).as(pushed.describe()).isTrue();
    }

    /** Where the registry keeps a blob's bytes (distribution's filesystem layout). */
    public Path blobData(BlobDigest digest) {
        return storage.resolve("docker/registry/v2/blobs/sha256").resolve(digest.hex().substring(0, 2))
                .resolve(digest.hex()).resolve("data");
    }

    /** How many GET requests for the blob the access log shows. */
    public long blobDownloads(BlobDigest digest) throws IOException {
        String request = "\"GET /v2/";
        try (var lines = Files.lines(log)) {
            return lines.filter(line -> line.contains(request) && line.contains("/blobs/" + digest + " ")).count();
        }
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
