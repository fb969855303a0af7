package io.kindling.chunks.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bearer-token flow and redirects, against a minimal fake of the Distribution API (the JDK's
 * HttpServer): docker-registry's own token auth needs a separate token server signing JWTs with a
 * certificate, more machinery than the flow it would test. The fake answers like Docker Hub does:
 * 401 with a Bearer challenge, a token from the realm for the service and scope, then content;
 * blobs are redirected to a second server standing for blob storage behind a CDN.
 */
class BearerTokenTest {
    private static final RegistryCredentials ROBOT = new RegistryCredentials("robot", "token-pass");
    private final java.util.concurrent.atomic.AtomicReference<String> token = new java.util.concurrent.atomic.AtomicReference<>("tok-123");
    @TempDir Path dir;
    private HttpServer registry;
    private HttpServer storage;
    private OciLayoutBuilder layout;
    private Descriptor manifest;
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final List<String> tokenQueries = new CopyOnWriteArrayList<>();
    private final List<String> storageAuthorizations = new CopyOnWriteArrayList<>();
    private final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
    private final Map<String, String> manifestTypes = new ConcurrentHashMap<>();
    private final Map<String, byte[]> extraBytes = new ConcurrentHashMap<>();

    @BeforeEach
    void startFakes() throws Exception {
        layout = new OciLayoutBuilder(dir.resolve("layout"));
        manifest = layout.image("v1", Platform.LINUX_AMD64, List.of(layout.layer(Map.of("a", "1"), true),
                layout.layer(Map.of("b", "2"), true)));
        manifests.put("v1", layout.bytes(manifest.digest()));
        manifestTypes.put("v1", MediaTypes.OCI_MANIFEST);
        manifests.put(manifest.digest().toString(), layout.bytes(manifest.digest()));
        manifestTypes.put(manifest.digest().toString(), MediaTypes.OCI_MANIFEST);

        storage = server();
        storage.createContext("/storage/", exchange -> {
            storageAuthorizations.add(Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization")).orElse("none"));
            String digest = exchange.getRequestURI().getPath().substring("/storage/".length());
            byte[] blob = layout.bytes(BlobDigest.parse(digest));
            byte[] extra = extraBytes.getOrDefault(digest, new byte[0]);
            byte[] body = java.util.Arrays.copyOf(blob, blob.length + extra.length);
            System.arraycopy(extra, 0, body, blob.length, extra.length);
            respond(exchange, 200, "application/octet-stream", body);
        });
        storage.start();

        registry = server();
        registry.createContext("/token", exchange -> {
            tokenRequests.incrementAndGet();
            tokenQueries.add(exchange.getRequestURI().getQuery());
            if (!ROBOT.basicHeader().equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                respond(exchange, 401, "application/json", "{\"details\":\"bad credentials\"}".getBytes());
                return;
            }
            respond(exchange, 200, "application/json", ("{\"token\":\"" + token.get() + "\",\"expires_in\":300}").getBytes());
        });
        registry.createContext("/v2/", exchange -> {
            if (!("Bearer " + token.get()).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + address(registry)
                        + "/token\",service=\"fake-registry\",scope=\"repository:team/fn:pull\"");
                respond(exchange, 401, "application/json", "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}".getBytes());
                return;
            }
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith("/v2/team/fn/manifests/")) {
                String reference = path.substring("/v2/team/fn/manifests/".length());
                byte[] body = manifests.get(reference);
                if (body == null) {
                    respond(exchange, 404, "application/json", "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}".getBytes());
                } else {
                    respond(exchange, 200, manifestTypes.get(reference), body);
                }
            } else if (path.startsWith("/v2/team/fn/blobs/")) {
                exchange.getResponseHeaders().add("Location", "http://" + address(storage) + "/storage/"
                        + path.substring("/v2/team/fn/blobs/".length()));
                respond(exchange, 307, "text/plain", new byte[0]);
            } else {
                respond(exchange, 404, "text/plain", new byte[0]);
            }
        });
        registry.start();
    }

    @AfterEach
    void stopFakes() {
        registry.stop(0);
        storage.stop(0);
    }

    private static HttpServer server() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        return server;
    }

    private static String address(HttpServer server) {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getRequestBody().readAllBytes();
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
        exchange.close();
    }

    private RegistryClient client(RegistryCredentials credentials) {
        return new RegistryClient(RegistrySettings.defaults().withCredentials(CredentialsLookup.of(Map.of(address(registry), credentials))));
    }

    private ImageReference image(String tag) {
        return ImageReference.parse(address(registry) + "/team/fn:" + tag);
    }

    @Test
    void oneTokenServesTheWholePullAndBlobStorageGetsNoCredentials() throws Exception {
        try (RegistryClient client = client(ROBOT)) {
            PulledImage pulled = client.resolve(image("v1"), Platform.LINUX_AMD64);
            for (ImageLayer layer : pulled.layers()) {
                assertThat(client.fetchLayer(pulled.resolved(), layer, dir.resolve("layers")).file())
                        .hasBinaryContent(layout.bytes(layer.digest()));
            }
            client.resolve(image("v1"), Platform.LINUX_AMD64);

            assertThat(pulled.manifestDigest()).isEqualTo(manifest.digest());
            assertThat(tokenRequests).as("token requests for two resolves and two layers").hasValue(1);
            assertThat(tokenQueries).containsExactly("service=fake-registry&scope=repository:team/fn:pull");
            assertThat(storageAuthorizations).as("two configs and two layers fetched from storage, none with credentials")
                    .containsExactly("none", "none", "none", "none");
        }
    }

    @Test
    void aTokenTheRegistryNoLongerAcceptsIsReplaced() throws Exception {
        try (RegistryClient client = client(ROBOT)) {
            client.resolve(image("v1"), Platform.LINUX_AMD64);
            token.set("tok-456"); // revoked, or expired before its time

            PulledImage again = client.resolve(image("v1"), Platform.LINUX_AMD64);
            assertThat(again.manifestDigest()).isEqualTo(manifest.digest());
            assertThat(tokenRequests).as("one token per pull: the rejected one was not offered again").hasValue(2);
        }
    }

    @Test
    void aRefusedTokenIsAnAuthFailure() {
        try (RegistryClient client = client(new RegistryCredentials("robot", "not-it"))) {
            assertThatThrownBy(() -> client.resolve(image("v1"), Platform.LINUX_AMD64))
                    .isInstanceOf(RegistryPullException.AuthFailed.class)
                    .hasMessage("The registry " + address(registry) + " refused the credentials of user robot for pulling "
                            + image("v1") + ".");
        }
    }

    @Test
    void aSchemaOneManifestIsRefused() {
        manifests.put("old", "{\"schemaVersion\":1,\"name\":\"team/fn\",\"fsLayers\":[]}".getBytes(StandardCharsets.UTF_8));
        manifestTypes.put("old", "application/vnd.docker.distribution.manifest.v1+prettyjws");
        try (RegistryClient client = client(ROBOT)) {
            assertThatThrownBy(() -> client.resolve(image("old"), Platform.LINUX_AMD64))
                    .isInstanceOf(RegistryPullException.UnsupportedMediaType.class)
                    .hasMessageContaining("application/vnd.docker.distribution.manifest.v1+prettyjws")
                    .hasMessageContaining("only OCI and Docker schema 2 manifests and indexes");
        }
    }

    @Test
    void layerSizesThatOverflowAreStillTooLarge() {
        String layer = "{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"sha256:" + "b".repeat(64)
                + "\",\"size\":" + (Long.MAX_VALUE / 2 + 1) + "}";
        manifests.put("huge", ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
                + MediaTypes.OCI_CONFIG + "\",\"digest\":\"sha256:" + "c".repeat(64) + "\",\"size\":2},\"layers\":["
                + layer + "," + layer + "]}").getBytes(StandardCharsets.UTF_8));
        manifestTypes.put("huge", MediaTypes.OCI_MANIFEST);
        try (RegistryClient client = client(ROBOT)) {
            assertThatThrownBy(() -> client.resolve(image("huge"), Platform.LINUX_AMD64))
                    .isInstanceOf(RegistryPullException.ImageTooLarge.class)
                    .satisfies(e -> assertThat(((RegistryPullException.ImageTooLarge) e).size()).isEqualTo(Long.MAX_VALUE));
        }
    }

    @Test
    void aBlobLongerThanItsDescriptorIsBad() throws Exception {
        try (RegistryClient client = client(ROBOT)) {
            PulledImage pulled = client.resolve(image("v1"), Platform.LINUX_AMD64);
            ImageLayer layer = pulled.layers().getFirst();
            extraBytes.put(layer.digest().toString(), "trailing".getBytes());
            assertThatThrownBy(() -> client.fetchLayer(pulled.resolved(), layer, dir.resolve("layers")))
                    .isInstanceOf(RegistryPullException.BadLayer.class)
                    .hasMessageContaining("is longer than the " + layer.size() + " bytes its manifest states");
            assertThat(dir.resolve("layers")).isEmptyDirectory();
        }
    }

    @Test
    void aManifestNotMatchingTheDigestAskedForIsBad() {
        BlobDigest claimed = BlobDigest.of("something else".getBytes());
        manifests.put(claimed.toString(), layout.bytes(manifest.digest()));
        manifestTypes.put(claimed.toString(), MediaTypes.OCI_MANIFEST);
        try (RegistryClient client = client(ROBOT)) {
            assertThatThrownBy(() -> client.resolve(ImageReference.parse(address(registry) + "/team/fn@" + claimed), Platform.LINUX_AMD64))
                    .isInstanceOf(RegistryPullException.BadManifest.class)
                    .hasMessageContaining("a manifest with digest " + manifest.digest() + " where " + claimed + " was asked for");
        }
    }
}
