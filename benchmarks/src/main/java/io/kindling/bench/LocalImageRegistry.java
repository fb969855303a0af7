package io.kindling.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code docker-registry} (CNCF distribution) on a free loopback port, its storage under a directory of the
 * run, and a minimal pusher for it speaking the distribution API directly: a layer is streamed into the registry as
 * {@link OciLayerWriter} writes it (one chunked PATCH, then PUT with the digest computed on the way), so the image's
 * bytes are on disk once, in the registry. Kindling pulls loopback registries over plain http.
 */
final class LocalImageRegistry implements AutoCloseable {
    static final String BINARY = "/usr/bin/docker-registry";
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";

    /** Writes one layer's entries. */
    @FunctionalInterface
    interface LayerContent {
        void write(OciLayerWriter layer) throws IOException;
    }

    /**
     * What a container image runs, as its config says.
     *
     * @param entrypoint ENTRYPOINT
     * @param cmd        CMD
     * @param env        {@code NAME=value} entries
     * @param workingDir WORKDIR, empty for none
     */
    record RunConfig(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir) {}

    /** An image pushed: its reference ({@code 127.0.0.1:port/repo:tag}), layers in order, and their total size. */
    record PushedImage(String uri, List<OciLayerWriter.Blob> layers) {
        long layerBytes() {
            return layers.stream().mapToLong(OciLayerWriter.Blob::size).sum();
        }
    }

    private final Process process;
    private final int port;
    private final Path storage;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final ObjectMapper json = new ObjectMapper();

    private LocalImageRegistry(Process process, int port, Path storage) {
        this.process = process;
        this.port = port;
        this.storage = storage;
    }

    /** Whether this host has the registry binary. */
    static boolean available() {
        return Files.isExecutable(Path.of(BINARY));
    }

    static LocalImageRegistry start(Path dir) throws IOException, InterruptedException {
        Path storage = Files.createDirectories(dir.resolve("storage"));
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path config = dir.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                """.formatted(storage, port));
        Path log = dir.resolve("registry.log");
        Process process = new ProcessBuilder(BINARY, "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        LocalImageRegistry registry = new LocalImageRegistry(process, port, storage);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                if (registry.get("/v2/").statusCode() == 200) {
                    return registry;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                registry.close();
                throw new IOException("docker-registry did not come up on " + registry.address() + "; its log: "
                        + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }

    /** {@code 127.0.0.1:<port>}. */
    String address() {
        return "127.0.0.1:" + port;
    }

    /** Streams one layer into {@code repository} as {@code content} writes it. */
    OciLayerWriter.Blob pushLayer(String repository, LayerContent content) throws IOException, InterruptedException {
        URI upload = startUpload(repository);
        // A kernel pipe between the writer thread and the request body: the layer never sits in memory.
        Pipe pipe = Pipe.open();
        InputStream in = Channels.newInputStream(pipe.source());
        CompletableFuture<OciLayerWriter.Blob> written = new CompletableFuture<>();
        Thread writer = Thread.ofPlatform().name("bench-layer-writer").start(() -> {
            try (OutputStream sink = new BufferedOutputStream(Channels.newOutputStream(pipe.sink()), 1 << 20);
                    OciLayerWriter layer = new OciLayerWriter(sink)) {
                content.write(layer);
                written.complete(layer.finish());
            } catch (Throwable e) {
                written.completeExceptionally(e);
            }
        });
        HttpResponse<String> patched;
        try {
            patched = http.send(HttpRequest.newBuilder(upload)
                    .method("PATCH", HttpRequest.BodyPublishers.ofInputStream(() -> in))
                    .header("Content-Type", "application/octet-stream").build(), HttpResponse.BodyHandlers.ofString());
        } finally {
            in.close(); // a writer still writing (the request failed) gets a broken pipe and stops
            writer.join();
        }
        OciLayerWriter.Blob blob;
        try {
            blob = written.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw new IOException("writing a layer for " + repository + " failed: " + e.getCause(), e.getCause());
        }
        expect(patched, 202, "streaming a layer into " + repository);
        finishUpload(location(upload, patched), blob.digest(), HttpRequest.BodyPublishers.noBody());
        return blob;
    }

    /** Pushes the config and manifest of an image of {@code layers} (in order) and tags it. */
    PushedImage pushImage(String repository, String tag, List<OciLayerWriter.Blob> layers, RunConfig run)
            throws IOException, InterruptedException {
        ObjectNode config = json.createObjectNode().put("architecture", "amd64").put("os", "linux");
        ObjectNode runNode = config.putObject("config");
        run.entrypoint().forEach(runNode.putArray("Entrypoint")::add);
        run.cmd().forEach(runNode.putArray("Cmd")::add);
        run.env().forEach(runNode.putArray("Env")::add);
        if (!run.workingDir().isEmpty()) {
            runNode.put("WorkingDir", run.workingDir());
        }
        ArrayNode diffIds = config.putObject("rootfs").put("type", "layers").putArray("diff_ids");
        layers.forEach(layer -> diffIds.add(layer.digest())); // uncompressed layers: the diff ID is the digest
        OciLayerWriter.Blob configBlob = pushBytes(repository, OCI_CONFIG, json.writeValueAsBytes(config));
        ObjectNode manifest = json.createObjectNode().put("schemaVersion", 2).put("mediaType", OCI_MANIFEST);
        manifest.set("config", descriptor(configBlob));
        ArrayNode array = manifest.putArray("layers");
        layers.forEach(layer -> array.add(descriptor(layer)));
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(uri("/v2/" + repository + "/manifests/" + tag))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(manifest)))
                .header("Content-Type", OCI_MANIFEST).build(), HttpResponse.BodyHandlers.ofString());
        expect(put, 201, "putting the manifest of " + repository + ":" + tag);
        return new PushedImage(address() + "/" + repository + ":" + tag, List.copyOf(layers));
    }

    /** Where the registry keeps a blob's bytes (distribution's filesystem layout): the layer file as pushed. */
    Path blobFile(OciLayerWriter.Blob blob) {
        String hex = blob.digest().substring("sha256:".length());
        return storage.resolve("docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex)
                .resolve("data");
    }

    private OciLayerWriter.Blob pushBytes(String repository, String mediaType, byte[] bytes)
            throws IOException, InterruptedException {
        String digest;
        try {
            digest = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        finishUpload(startUpload(repository), digest, HttpRequest.BodyPublishers.ofByteArray(bytes));
        return new OciLayerWriter.Blob(mediaType, digest, bytes.length);
    }

    private URI startUpload(String repository) throws IOException, InterruptedException {
        HttpResponse<String> started = http.send(HttpRequest.newBuilder(uri("/v2/" + repository + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        expect(started, 202, "starting an upload to " + repository);
        return location(uri("/"), started);
    }

    private void finishUpload(URI upload, String digest, HttpRequest.BodyPublisher body)
            throws IOException, InterruptedException {
        String separator = upload.getRawQuery() == null ? "?" : "&";
        URI put = URI.create(upload + separator + "digest=" + digest.replace(":", "%3A"));
        HttpResponse<String> done = http.send(HttpRequest.newBuilder(put).PUT(body)
                .header("Content-Type", "application/octet-stream").build(), HttpResponse.BodyHandlers.ofString());
        expect(done, 201, "completing the upload of " + digest);
    }

    private ObjectNode descriptor(OciLayerWriter.Blob blob) {
        return json.createObjectNode().put("mediaType", blob.mediaType()).put("digest", blob.digest())
                .put("size", blob.size());
    }

    private static URI location(URI base, HttpResponse<?> response) throws IOException {
        String location = response.headers().firstValue("Location")
                .orElseThrow(() -> new IOException("the registry answered " + response.statusCode() + " without Location"));
        return base.resolve(location);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://" + address() + path);
    }

    private static void expect(HttpResponse<String> response, int status, String what) throws IOException {
        if (response.statusCode() != status) {
            throw new IOException(what + ": the registry answered " + response.statusCode() + " " + response.body());
        }
    }

    @Override
    public void close() throws InterruptedException {
        http.close();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
