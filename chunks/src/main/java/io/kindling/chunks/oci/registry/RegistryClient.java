package io.kindling.chunks.oci.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
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
public final class RegistryClient implements ImageSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryClient.class);
    static final int MAX_MANIFEST_BYTES = ImageResolution.MAX_MANIFEST_BYTES;
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

    @Override
    public PulledImage resolve(ImageReference image, Platform platform) throws RegistryPullException, InterruptedException {
        return ImageResolution.resolve(image, platform, settings.maxImageBytes(), blobs);
    }

    /**
     * {@inheritDoc} A blob already in {@code dir} is trusted by name (and size) rather than hashed again, which would
     * cost reading the whole layer. A failed download leaves nothing behind.
     */
    @Override
    public FetchedLayer fetchLayer(ImageReference image, ImageLayer layer, Path dir)
            throws RegistryPullException, IOException, InterruptedException {
        return ImageResolution.fetchLayer(image, layer, dir, blobs);
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

    // --- manifests

    private final ImageResolution.Blobs blobs = new ImageResolution.Blobs() {
        @Override
        public ImageResolution.Document manifest(ImageReference image, String reference, Optional<BlobDigest> expected)
                throws RegistryPullException, InterruptedException {
            return RegistryClient.this.manifest(image, reference, expected);
        }

        @Override
        public VerifiedBlobStream openBlob(ImageReference image, Descriptor blob) throws RegistryPullException, InterruptedException {
            return RegistryClient.this.openBlob(image, blob);
        }

        @Override
        public BlobOrigin origin(ImageReference image) {
            return BlobOrigin.registry(image);
        }
    };

    private ImageResolution.Document manifest(ImageReference image, String reference, Optional<BlobDigest> expected)
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
            throw ImageResolution.manifestTooLarge(image, reference);
        }
        return ImageResolution.document(image, reference, bytes, expected,
                response.headers().firstValue("Content-Type").orElse(""), BlobOrigin.registry(image));
    }

    // --- HTTP

    private VerifiedBlobStream openBlob(ImageReference image, Descriptor blob) throws RegistryPullException, InterruptedException {
        URI uri = apiUri(image, "/blobs/" + blob.digest());
        HttpResponse<InputStream> response = get(image, uri, "*/*", () -> new RegistryPullException.NotFound("The registry "
                + image.registry() + " does not have the blob " + blob.digest() + " that image " + image + " needs."));
        return new VerifiedBlobStream(image, blob, response.body(), BlobOrigin.registry(image));
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
}
