package io.kindling.chunks.oci.registry;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls container images over the OCI Distribution API (Docker Registry HTTP API v2): resolves a
 * reference to the manifest for a platform, reads the image config, and hands out the layer blobs,
 * verified against their digests while they stream. It never decompresses or unpacks a layer.
 *
 * <p>A pull is {@link #resolve} (manifest, index, config: small documents, read into memory with a
 * bound) then {@link #fetchLayer} or {@link #openLayer} per layer, which the caller may run on
 * several virtual threads at once; the client is thread-safe. Plain http is used only for
 * loopback registries and those configured as insecure. Redirects (blob storage behind a CDN) are
 * followed by hand so the registry's credentials never go to another host.
 */
public final class RegistryClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryClient.class);
    /** The distribution spec lets registries refuse manifests over 4 MiB; a larger one is not pulled either. */
    static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
    /** Configs hold the build history; a generous bound still keeps one pull's memory small. */
    static final int MAX_CONFIG_BYTES = 8 * 1024 * 1024;
    private static final int MAX_ERROR_BYTES = 16 * 1024;
    private static final int MAX_REDIRECTS = 5;

    private final RegistrySettings settings;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final RegistryAuth auth;

    public RegistryClient(RegistrySettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().executor(executor).connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.auth = new RegistryAuth(http, settings, json);
    }

    /**
     * Resolves {@code image} to the manifest for {@code platform} and reads its config; checks the
     * layers' media types and total size before anything large is downloaded.
     */
    public PulledImage resolve(ImageReference image, Platform platform) throws RegistryPullException, InterruptedException {
        Document top = manifest(image, image.manifestReference(), image.digest());
        Optional<BlobDigest> indexDigest = Optional.empty();
        Document manifest = top;
        if (MediaTypes.isIndex(top.mediaType())) {
            indexDigest = Optional.of(top.digest());
            Descriptor picked = pickPlatform(image, top.json(), platform);
            manifest = manifest(image, picked.digest().toString(), Optional.of(picked.digest()));
            if (!MediaTypes.isManifest(manifest.mediaType())) {
                throw new RegistryPullException.UnsupportedMediaType("The image " + image + " lists for " + platform
                        + " a " + manifest.mediaType() + " where an image manifest belongs.");
            }
        } else if (!MediaTypes.isManifest(top.mediaType())) {
            throw new RegistryPullException.UnsupportedMediaType("The image " + image + " is a " + top.mediaType()
                    + ", not an OCI or Docker schema 2 image manifest or index.");
        }
        Descriptor configBlob = descriptor(image, manifest.json().path("config"), "its config");
        if (!MediaTypes.isConfig(configBlob.mediaType())) {
            throw new RegistryPullException.UnsupportedMediaType("The image " + image + " is not a container image: its config is a "
                    + configBlob.mediaType() + ".");
        }
        List<ImageLayer> layers = layers(image, manifest.json().path("layers"));
        // Saturating: sizes come from the registry, and an overflowing sum must not look small.
        long size = layers.stream().mapToLong(ImageLayer::size).reduce(0, (a, b) -> a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b);
        if (size > settings.maxImageBytes()) {
            throw new RegistryPullException.ImageTooLarge(image, size, settings.maxImageBytes());
        }
        ContainerConfig config = config(image, configBlob);
        if (!platform.matches(config.os(), config.architecture())) {
            throw new RegistryPullException.NoMatchingPlatform("The image " + image + " is built for " + config.platform()
                    + ", and the function needs " + platform + ".");
        }
        return new PulledImage(image, indexDigest, manifest.digest(), manifest.mediaType(), config, layers);
    }

    /**
     * The layer's blob as {@code dir/sha256-<hex>}, downloaded unless that file is already there.
     * A download goes to a temporary file in {@code dir}, is verified, and only then renamed into
     * place, so a file with a digest's name holds exactly those bytes: an existing one is trusted
     * by name (and size) rather than hashed again, which would cost reading the whole layer. A
     * failed download leaves nothing behind.
     */
    public FetchedLayer fetchLayer(ImageReference image, ImageLayer layer, Path dir)
            throws RegistryPullException, IOException, InterruptedException {
        Path target = dir.resolve(layer.digest().fileName());
        if (Files.isRegularFile(target) && Files.size(target) == layer.size()) {
            LOG.debug("layer {} of {} is already in {}", layer.digest(), image, dir);
            return new FetchedLayer(layer, target, false);
        }
        Files.createDirectories(dir);
        Path partial = Files.createTempFile(dir, "." + layer.digest().fileName() + ".", ".partial");
        boolean done = false;
        try (VerifiedBlobStream in = openBlob(image, layer.blob())) {
            try (FileChannel file = FileChannel.open(partial, StandardOpenOption.WRITE);
                    OutputStream out = Channels.newOutputStream(file)) {
                copy(image, in, out);
                in.verifyToEnd();
                file.force(true);
            }
            try {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the layer directory " + dir + " does not support atomic renames", e);
            }
            done = true;
            return new FetchedLayer(layer, target, true);
        } finally {
            if (!done) {
                deleteQuietly(partial);
            }
        }
    }

    /**
     * The layer's blob as a stream, for a consumer that unpacks while downloading. The consumer must
     * call {@link VerifiedBlobStream#verifyToEnd()} before it trusts anything it read, and close it.
     */
    public VerifiedBlobStream openLayer(ImageReference image, ImageLayer layer) throws RegistryPullException, InterruptedException {
        return openBlob(image, layer.blob());
    }

    @Override
    public void close() {
        http.close();
        executor.close();
    }

    // --- manifests and configs

    /** A manifest or index as fetched: its media type, its digest (computed from the bytes) and its JSON. */
    private record Document(String mediaType, BlobDigest digest, JsonNode json) {}

    private Document manifest(ImageReference image, String reference, Optional<BlobDigest> expected)
            throws RegistryPullException, InterruptedException {
        URI uri = apiUri(image, "/manifests/" + reference);
        HttpResponse<InputStream> response = get(image, uri, MediaTypes.MANIFEST_ACCEPT, () -> new RegistryPullException.NotFound(
                expected.isPresent() && !reference.equals(image.manifestReference())
                        ? "The image " + image + " lists the manifest " + reference + ", which the registry " + image.registry() + " does not have."
                        : "The image " + image + " does not exist: the registry " + image.registry() + " has no "
                                + (image.digest().isPresent() ? "manifest " + reference : "tag " + reference) + " in repository "
                                + image.repository() + "."));
        byte[] bytes = readBounded(image, response, MAX_MANIFEST_BYTES, "manifest " + reference);
        if (bytes == null) {
            throw new RegistryPullException.BadManifest("The manifest " + reference + " of image " + image + " is larger than "
                    + MAX_MANIFEST_BYTES + " bytes.", null);
        }
        BlobDigest digest = BlobDigest.of(bytes);
        if (expected.isPresent() && !expected.get().equals(digest)) {
            throw new RegistryPullException.BadManifest("The registry " + image.registry() + " sent for " + image + " a manifest with digest "
                    + digest + " where " + expected.get() + " was asked for.", null);
        }
        JsonNode node = parse(image, bytes, "manifest " + reference);
        // The document's own mediaType field wins: the Content-Type is only what the registry thinks it is.
        String mediaType = node.path("mediaType").asText(response.headers().firstValue("Content-Type").orElse(""));
        int semicolon = mediaType.indexOf(';');
        mediaType = (semicolon < 0 ? mediaType : mediaType.substring(0, semicolon)).strip();
        if (!MediaTypes.isIndex(mediaType) && !MediaTypes.isManifest(mediaType)) {
            throw new RegistryPullException.UnsupportedMediaType("The image " + image + " has a manifest of type \"" + mediaType
                    + "\"; only OCI and Docker schema 2 manifests and indexes can be pulled.");
        }
        return new Document(mediaType, digest, node);
    }

    private Descriptor pickPlatform(ImageReference image, JsonNode index, Platform platform) throws RegistryPullException {
        List<String> offered = new ArrayList<>();
        for (JsonNode entry : index.path("manifests")) {
            String os = entry.path("platform").path("os").asText("");
            String architecture = entry.path("platform").path("architecture").asText("");
            if (platform.matches(os, architecture) && MediaTypes.isManifest(entry.path("mediaType").asText(""))) {
                return descriptor(image, entry, "the manifest for " + platform);
            }
            if (!os.isEmpty()) {
                offered.add(os + "/" + architecture);
            }
        }
        throw new RegistryPullException.NoMatchingPlatform("The image " + image + " has no manifest for " + platform
                + (offered.isEmpty() ? "." : "; it offers " + String.join(", ", offered) + "."));
    }

    private List<ImageLayer> layers(ImageReference image, JsonNode layers) throws RegistryPullException {
        List<ImageLayer> result = new ArrayList<>();
        for (JsonNode entry : layers) {
            int number = result.size() + 1;
            Descriptor blob = descriptor(image, entry, "layer " + number);
            if (MediaTypes.isForeignLayer(blob.mediaType())) {
                throw new RegistryPullException.UnsupportedMediaType("Layer " + number + " of image " + image + " is a foreign "
                        + "(non-distributable) layer, which is not in the registry; such images cannot be pulled.");
            }
            LayerCompression compression = LayerCompression.ofMediaType(blob.mediaType()).orElseThrow(() ->
                    new RegistryPullException.UnsupportedMediaType("Layer " + number + " of image " + image + " is a " + blob.mediaType()
                            + "; layers must be tar, gzip- or zstd-compressed tar."));
            result.add(new ImageLayer(blob, compression));
        }
        if (result.isEmpty()) {
            throw new RegistryPullException.BadManifest("The image " + image + " has no layers.", null);
        }
        return result;
    }

    private Descriptor descriptor(ImageReference image, JsonNode node, String what) throws RegistryPullException.BadManifest {
        try {
            return new Descriptor(node.path("mediaType").asText(""), BlobDigest.parse(node.path("digest").asText("")),
                    node.path("size").asLong(-1));
        } catch (IllegalArgumentException e) {
            throw new RegistryPullException.BadManifest("The manifest of image " + image + " describes " + what
                    + " wrongly: " + e.getMessage() + ".", e);
        }
    }

    private ContainerConfig config(ImageReference image, Descriptor blob) throws RegistryPullException, InterruptedException {
        if (blob.size() > MAX_CONFIG_BYTES) {
            throw new RegistryPullException.BadManifest("The config of image " + image + " has " + blob.size()
                    + " bytes, more than the " + MAX_CONFIG_BYTES + " a config may have.", null);
        }
        byte[] bytes;
        try (VerifiedBlobStream in = openBlob(image, blob)) {
            bytes = in.readAllBytes();
            in.verifyToEnd();
        } catch (VerifiedBlobStream.BlobMismatchException e) {
            throw e.getCause();
        } catch (IOException e) {
            throw new RegistryPullException.Unreachable(image, image.registry(), e);
        }
        JsonNode root = parse(image, bytes, "config " + blob.digest());
        JsonNode config = root.path("config");
        return new ContainerConfig(strings(config.path("Entrypoint")), strings(config.path("Cmd")),
                text(config.path("WorkingDir")), strings(config.path("Env")), text(config.path("User")),
                root.path("os").asText(""), root.path("architecture").asText(""));
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    private static Optional<String> text(JsonNode value) {
        return value.isTextual() && !value.asText().isEmpty() ? Optional.of(value.asText()) : Optional.empty();
    }

    private JsonNode parse(ImageReference image, byte[] bytes, String what) throws RegistryPullException.BadManifest {
        try {
            JsonNode node = json.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new RegistryPullException.BadManifest("The " + what + " of image " + image + " is not a JSON object.", null);
            }
            return node;
        } catch (JacksonException e) {
            throw new RegistryPullException.BadManifest("The " + what + " of image " + image + " is not valid JSON: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("reading JSON from memory", e);
        }
    }

    // --- HTTP

    private VerifiedBlobStream openBlob(ImageReference image, Descriptor blob) throws RegistryPullException, InterruptedException {
        URI uri = apiUri(image, "/blobs/" + blob.digest());
        HttpResponse<InputStream> response = get(image, uri, "*/*", () -> new RegistryPullException.NotFound("The registry "
                + image.registry() + " does not have the blob " + blob.digest() + " that image " + image + " needs."));
        return new VerifiedBlobStream(image, blob, response.body());
    }

    private static void copy(ImageReference image, VerifiedBlobStream in, OutputStream out) throws RegistryPullException, IOException {
        byte[] buffer = new byte[64 * 1024];
        while (true) {
            int n;
            try {
                n = in.read(buffer);
            } catch (VerifiedBlobStream.BlobMismatchException e) {
                throw e.getCause();
            } catch (IOException e) {
                throw new RegistryPullException.Unreachable(image, image.registry(), e);
            }
            if (n < 0) {
                return;
            }
            out.write(buffer, 0, n);
        }
    }

    private URI apiUri(ImageReference image, String path) {
        String scheme = settings.usesPlainHttp(image) ? "http" : "https";
        return URI.create(scheme + "://" + image.apiAuthority() + "/v2/" + image.repository() + path);
    }

    /**
     * GETs {@code uri} and returns the 200 response with its body unread; answers one authentication
     * challenge and follows redirects. Everything else becomes a typed failure.
     */
    private HttpResponse<InputStream> get(ImageReference image, URI uri, String accept, Supplier<RegistryPullException> notFound)
            throws RegistryPullException, InterruptedException {
        Optional<String> authorization = auth.known(image);
        boolean challenged = false;
        URI current = uri;
        int lastStatus = 0;
        for (int hop = 0; hop <= MAX_REDIRECTS; ) {
            // Credentials go only to the registry itself, never to where it redirects blob downloads.
            boolean toRegistry = current.getRawAuthority().equals(uri.getRawAuthority());
            HttpRequest.Builder request = HttpRequest.newBuilder(current).header("Accept", accept).GET();
            if (toRegistry) {
                authorization.ifPresent(value -> request.header("Authorization", value));
            }
            LOG.debug("GET {}", current);
            HttpResponse<InputStream> response = send(image, current, request.build());
            int status = response.statusCode();
            lastStatus = status;
            if (status == 200) {
                return response;
            }
            if (status == 401 && toRegistry && !challenged) {
                discard(response);
                Optional<Challenge> challenge = response.headers().firstValue("WWW-Authenticate").flatMap(Challenge::parse);
                if (challenge.isEmpty()) {
                    throw new RegistryPullException.AuthFailed("The registry " + image.registry() + " refused to let " + image
                            + " be pulled and did not say how to authenticate.");
                }
                authorization = Optional.of(auth.answer(image, challenge.get(), authorization.isPresent()));
                challenged = true;
                continue;
            }
            if (status >= 300 && status < 400 && response.headers().firstValue("Location").isPresent()) {
                discard(response);
                current = current.resolve(response.headers().firstValue("Location").get());
                hop++;
                continue;
            }
            String detail = errorDetail(response);
            if (status == 401 || status == 403) {
                Optional<RegistryCredentials> credentials = settings.credentials().forRegistry(image.registry());
                throw new RegistryPullException.AuthFailed(credentials.isEmpty()
                        ? "The registry " + image.registry() + " refuses anonymous pulls of " + image + "; configure credentials for it" + detail
                        : "The registry " + image.registry() + " refused the credentials of user " + credentials.get().username()
                                + " for pulling " + image + detail);
            }
            if (status == 404) {
                throw notFound.get();
            }
            throw new RegistryPullException.RegistryError("The registry " + image.registry() + " answered " + status + " to a request for "
                    + image + detail, status);
        }
        throw new RegistryPullException.RegistryError("The registry " + image.registry() + " redirected a request for " + image
                + " more than " + MAX_REDIRECTS + " times.", lastStatus);
    }

    private HttpResponse<InputStream> send(ImageReference image, URI uri, HttpRequest request)
            throws RegistryPullException.Unreachable, InterruptedException {
        return send(http, settings, image, uri.getScheme() + "://" + uri.getRawAuthority(), request);
    }

    /**
     * Sends a request and waits at most the request timeout for the response headers; the body is
     * read by the caller for as long as it takes, as long as no read waits that long for the next
     * bytes ({@link StallGuardedBody}). Not {@link HttpRequest.Builder#timeout}: from JDK 26 on
     * (JDK-8208693) it bounds reading the whole body, which would cut off large layers.
     */
    static HttpResponse<InputStream> send(HttpClient http, RegistrySettings settings, ImageReference image, String where,
            HttpRequest request) throws RegistryPullException.Unreachable, InterruptedException {
        CompletableFuture<HttpResponse<InputStream>> response = http.sendAsync(request,
                StallGuardedBody.handler(settings.requestTimeout()));
        try {
            return response.get(settings.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            response.cancel(true);
            throw new RegistryPullException.Unreachable(image, where,
                    new IOException("no answer within " + settings.requestTimeout().toMillis() + " ms", e));
        } catch (InterruptedException e) {
            response.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw new RegistryPullException.Unreachable(image, where, e.getCause());
        }
    }

    /** The registry's own error text ({@code {"errors":[{"code","message"}]}}), as ": CODE: message." or ".". */
    private String errorDetail(HttpResponse<InputStream> response) {
        try (InputStream body = response.body()) {
            JsonNode first = json.readTree(body.readNBytes(MAX_ERROR_BYTES)).path("errors").path(0);
            String code = first.path("code").asText("");
            String message = first.path("message").asText("");
            return code.isEmpty() && message.isEmpty() ? "." : ": " + code + (message.isEmpty() ? "" : " " + message) + ".";
        } catch (IOException | RuntimeException e) {
            return ".";
        }
    }

    /** The body of a response that is not used, read to a bound so the connection can be reused. */
    private static void discard(HttpResponse<InputStream> response) {
        try (InputStream body = response.body()) {
            body.readNBytes(MAX_ERROR_BYTES);
        } catch (IOException e) {
            // The connection is dropped instead of reused.
        }
    }

    /** Reads a body of at most {@code limit} bytes; null if it is longer. */
    private static byte[] readBounded(ImageReference image, HttpResponse<InputStream> response, int limit, String what)
            throws RegistryPullException.Unreachable {
        try (InputStream body = response.body()) {
            byte[] bytes = body.readNBytes(limit);
            return body.read() < 0 ? bytes : null;
        } catch (IOException e) {
            throw new RegistryPullException.Unreachable(image, image.registry() + " (reading the " + what + ")", e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot delete the partial layer {}: {}", file, e.toString());
        }
    }
}
