package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.kindling.chunks.oci.layers.TestLayer;
import io.kindling.chunks.oci.registry.BlobDigest;
import io.kindling.chunks.oci.registry.Descriptor;
import io.kindling.chunks.oci.registry.OciLayoutBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * {@code kindling deploy NAME --image} with images built without a registry: an OCI layout directory and a
 * {@code docker save} archive, pushed by the real CLI into the server's local image store, then run through the SDK;
 * and the store's endpoints refusing bytes that do not match their digest, and callers who do not sign.
 */
class LocalImageDeployTest extends ServerTest {
    private static final String BLOBS = "/kindling/2026-11-27/images/blobs/";

    private static String[] client(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--endpoint", server.endpoint(), "--data-dir", dir.toString()));
        return all.toArray(String[]::new);
    }

    private static Path store() {
        return dir.resolve("data").resolve("images");
    }

    /** Every file of the local image store with its modification time. */
    private static Map<String, FileTime> storeFiles() throws IOException {
        Map<String, FileTime> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(store())) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                files.put(store().relativize(file).toString(), Files.getLastModifiedTime(file));
            }
        }
        return files;
    }

    @Test
    void anOciLayoutDirectoryIsPushedAndRunAndARedeployUploadsNothing() throws Exception {
        OciLayoutBuilder layout = new OciLayoutBuilder(dir.resolve("layout"));
        List<Descriptor> layers = TestImages.layers(layout, dir, "from a layout");
        Descriptor manifest = layout.manifest(TestImages.config(layout, layers), layers);
        layout.tag("v1", manifest);

        CliTest.Run first = CliTest.kindling(client("deploy", "Layout_Fn", "--image", layout.dir().toString(),
                "--timeout", "20"));

        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.err()).contains("config sha256:")
                .contains("layer 1/2 " + layers.get(0).digest().toString().substring(0, 19) + ": uploaded")
                .contains("layer 2/2 " + layers.get(1).digest().toString().substring(0, 19) + ": uploaded")
                .doesNotContain("already on the server");
        String uri = "kindling.local/layout-fn@" + manifest.digest();
        assertThat(first.err()).contains("as " + uri);
        assertThat(first.out()).contains("deployed Layout_Fn");
        assertThat(lambda.getFunction(r -> r.functionName("Layout_Fn")).code().imageUri()).isEqualTo(uri);
        assertThat(ProvidedRuntimeBootstraps.probe(lambda, "Layout_Fn", "cat /var/task/version; printenv FROM_IMAGE"))
                .isEqualTo("from a layout\nfrom the image\n");
        assertThat(store().resolve("blobs/sha256").resolve(layers.get(0).digest().hex())).exists();
        Map<String, FileTime> blobsBefore = new TreeMap<>(storeFiles());
        blobsBefore.remove("index.json");

        CliTest.Run again = CliTest.kindling(client("deploy", "Layout_Fn", "--image", layout.dir() + ":v1"));

        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.err().lines().filter(line -> line.contains("already on the server")).count())
                .as(again.err()).isEqualTo(3);
        assertThat(again.err()).doesNotContain("uploaded");
        Map<String, FileTime> blobsAfter = new TreeMap<>(storeFiles());
        blobsAfter.remove("index.json");
        assertThat(blobsAfter).as("no blob written again").isEqualTo(blobsBefore);
        assertThat(lambda.getFunction(r -> r.functionName("Layout_Fn")).code().imageUri()).isEqualTo(uri);
    }

    @Test
    void aDockerSaveArchiveIsConvertedPushedAndRun() throws Exception {
        Path archive = dockerSave(dir.resolve("app.tar"), "app:v2", "from an archive");

        CliTest.Run deployed = CliTest.kindling(client("deploy", "archive-fn", "--image", archive.toString(),
                "--timeout", "20"));

        assertThat(deployed.exit()).as(deployed.err()).isZero();
        assertThat(deployed.err()).contains("layer 1/2").contains("layer 2/2").contains(": uploaded")
                .contains("as kindling.local/archive-fn@sha256:");
        assertThat(ProvidedRuntimeBootstraps.probe(lambda, "archive-fn", "cat /var/task/version; id -u"))
                .isEqualTo("from an archive\n993\n");
        String index = Files.readString(store().resolve("index.json"));
        assertThat(index).as("tagged with the archive's tag in the function's repository").contains("archive-fn:v2");
    }

    @Test
    void aBlobWhoseBytesDoNotMatchItsDigestIsRefusedAndNothingIsKept() throws Exception {
        byte[] good = "the bytes the digest was made of".getBytes(StandardCharsets.UTF_8);
        byte[] evil = "other bytes of the very same size".getBytes(StandardCharsets.UTF_8);
        evil = java.util.Arrays.copyOf(evil, good.length);
        BlobDigest digest = BlobDigest.of(good);
        Map<String, FileTime> before = storeFiles();
        AuthSigning signing = new AuthSigning(server.endpoint());
        SdkHttpRequest put = signing.request(SdkHttpMethod.PUT, BLOBS + "sha256%3A" + digest.hex());

        // Signed over the right bytes, as a client would; the body is changed on the way.
        HttpResponse<String> tampered = AuthSigning.send(signing.sign(put, good), evil);

        assertThat(tampered.statusCode()).isEqualTo(400);
        assertThat(tampered.headers().firstValue("x-amzn-ErrorType")).contains("InvalidParameterValueException");
        assertThat(tampered.body()).contains("digest").contains(digest.toString());
        assertThat(storeFiles()).as("nothing left in the store").isEqualTo(before);
        HttpResponse<String> head = AuthSigning.send(signing.sign(signing.request(SdkHttpMethod.HEAD,
                BLOBS + "sha256%3A" + digest.hex()), new byte[0]));
        assertThat(head.statusCode()).isEqualTo(404);

        HttpResponse<String> stored = AuthSigning.send(signing.sign(put, good), good);
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
        assertThat(store().resolve("blobs/sha256").resolve(digest.hex())).hasBinaryContent(good);

        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + digest
                + "\",\"size\":" + good.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\"" + BlobDigest.of(evil) + "\",\"size\":" + evil.length + "}]}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> missing = AuthSigning.send(signing.sign(signing.request(SdkHttpMethod.PUT,
                "/kindling/2026-11-27/images/partial/manifests/v1"), manifest), manifest);
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.body()).contains("does not have").contains(BlobDigest.of(evil).toString())
                .doesNotContain(digest.toString());
    }

    @Test
    void aBlobOverTheLimitIsRefusedWith413BeforeItsBodyIsSent() throws Exception {
        byte[] claimed = "whatever it claims to be".getBytes(StandardCharsets.UTF_8);
        AuthSigning signing = new AuthSigning(server.endpoint());
        SdkHttpRequest put = signing.sign(signing.request(SdkHttpMethod.PUT, BLOBS + "sha256%3A"
                + BlobDigest.of(claimed).hex()), claimed);
        StringBuilder head = new StringBuilder("PUT " + put.encodedPath() + " HTTP/1.1\r\n");
        put.forEachHeader((name, values) -> values.forEach(value -> head.append(name).append(": ").append(value)
                .append("\r\n")));
        // One byte over Lambda's 10 GiB image limit; not a byte of it is sent.
        head.append("Content-Length: ").append((10L << 30) + 1).append("\r\n\r\n");

        String answer;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.server.port())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            answer = response(socket.getInputStream());
        }

        assertThat(answer).startsWith("HTTP/1.1 413").contains("RequestEntityTooLargeException")
                .contains("at most " + (10L << 30) + " bytes");
    }

    @Test
    void unsignedPushesAreRefused() throws Exception {
        Map<String, FileTime> before = storeFiles();
        byte[] blob = "anonymous".getBytes(StandardCharsets.UTF_8);
        URI put = URI.create(server.endpoint() + BLOBS + "sha256%3A" + BlobDigest.of(blob).hex());

        HttpResponse<String> unsigned = AuthSigning.send(SdkHttpRequest.builder().method(SdkHttpMethod.PUT).uri(put)
                .build(), blob);
        HttpResponse<String> head = AuthSigning.sendUnsigned("HEAD", put);
        HttpResponse<String> manifest = AuthSigning.sendUnsigned("PUT",
                URI.create(server.endpoint() + "/kindling/2026-11-27/images/x/manifests/v1"));

        assertThat(unsigned.statusCode()).isEqualTo(403);
        assertThat(unsigned.headers().firstValue("x-amzn-ErrorType")).contains("MissingAuthenticationTokenException");
        assertThat(head.statusCode()).isEqualTo(403);
        assertThat(manifest.statusCode()).isEqualTo(403);
        assertThat(storeFiles()).isEqualTo(before);
    }

    /** An HTTP/1.1 response's head and its Content-Length body, read without waiting for the connection to close. */
    private static String response(java.io.InputStream in) throws IOException {
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(text);
        int size = length.find() ? Integer.parseInt(length.group(1)) : 0;
        return text + new String(in.readNBytes(size), StandardCharsets.UTF_8);
    }

    /**
     * A {@code docker save} archive as Docker writes it: {@code <n>/layer.tar} (plain tars), the config as
     * {@code <hex>.json}, and manifest.json last.
     */
    private static Path dockerSave(Path archive, String repoTag, String version) throws Exception {
        List<TestLayer> layers = TestImages.layers(version);
        OciLayoutBuilder scratch = new OciLayoutBuilder(Files.createTempDirectory(dir, "config-"));
        List<String> names = new ArrayList<>();
        List<Descriptor> descriptors = new ArrayList<>();
        try (OutputStream file = Files.newOutputStream(archive); TarArchiveOutputStream tar = new TarArchiveOutputStream(file)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (int i = 0; i < layers.size(); i++) {
                Path layer = Files.createTempFile(dir, "layer-", ".tar");
                layers.get(i).writeTo(layer, TestLayer.Compression.NONE);
                byte[] bytes = Files.readAllBytes(layer);
                Files.delete(layer);
                descriptors.add(new Descriptor(TestLayer.TAR, BlobDigest.of(bytes), bytes.length));
                String name = descriptors.getLast().digest().hex() + "/layer.tar";
                add(tar, name, bytes);
                names.add(name);
            }
            Descriptor config = TestImages.config(scratch, descriptors);
            add(tar, config.digest().hex() + ".json", scratch.bytes(config.digest()));
            ObjectMapper json = new ObjectMapper();
            ArrayNode manifest = json.createArrayNode();
            var image = manifest.addObject().put("Config", config.digest().hex() + ".json");
            image.putArray("RepoTags").add(repoTag);
            names.forEach(image.putArray("Layers")::add);
            add(tar, "manifest.json", json.writeValueAsBytes(manifest));
        }
        return archive;
    }

    private static void add(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(bytes.length);
        tar.putArchiveEntry(entry);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }
}
