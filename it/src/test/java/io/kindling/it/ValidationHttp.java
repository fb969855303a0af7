package io.kindling.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Raw requests for what the SDK will not send: malformed JSON, bodies over the size limit. Requests are
 * SigV4-signed with the test key exactly as the SDK would sign them, so only the property under test is off.
 */
final class ValidationHttp {
    /** Headers java.net.http sets itself and refuses from callers. */
    private static final Set<String> SET_BY_CLIENT = Set.of("host", "content-length", "connection", "expect", "upgrade");

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private ValidationHttp() {}

    /** A response read off the wire: status, headers (keys lower-cased) and body text. */
    record Answer(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Signs {@code method endpoint+path} for lambda in us-east-1 over the body the stream provider yields. */
    static SdkHttpRequest sign(String endpoint, SdkHttpMethod method, String path, ContentStreamProvider body) {
        SdkHttpRequest request = SdkHttpRequest.builder().method(method).uri(URI.create(endpoint + path))
                .putHeader("Content-Type", "application/json").build();
        return AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(TestServer.ACCESS_KEY, TestServer.SECRET_KEY))
                .request(request)
                .payload(body)
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "lambda")
                .putProperty(AwsV4HttpSigner.REGION_NAME, TestServer.REGION)).request();
    }

    /** Signs and sends a small body with java.net.http. */
    static Answer send(String endpoint, SdkHttpMethod method, String path, byte[] body)
            throws IOException, InterruptedException {
        SdkHttpRequest signed = sign(endpoint, method, path, ContentStreamProvider.fromByteArray(body));
        HttpRequest.Builder builder = HttpRequest.newBuilder(signed.getUri()).timeout(Duration.ofSeconds(60))
                .method(method.name(), HttpRequest.BodyPublishers.ofByteArray(body));
        signed.forEachHeader((name, values) -> {
            if (!SET_BY_CLIENT.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> builder.header(name, v));
            }
        });
        HttpResponse<String> response = HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        Map<String, String> headers = new TreeMap<>();
        response.headers().map().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.getFirst()));
        return new Answer(response.statusCode(), headers, response.body());
    }

    /**
     * Sends the signed request's headers with {@code Content-Length: declaredLength} but only {@code prefix}
     * of the body, then reads the answer: the server must decide from the header alone.
     */
    static Answer declaredOnly(SdkHttpRequest signed, long declaredLength, byte[] prefix) throws IOException {
        try (Socket socket = connect(signed)) {
            OutputStream out = socket.getOutputStream();
            out.write(head(signed, "Content-Length: " + declaredLength));
            out.write(prefix);
            out.flush();
            return readAnswer(socket.getInputStream());
        }
    }

    /**
     * Streams {@code body} with chunked transfer encoding (so no length is declared and the server must
     * count) from a second thread, and reads the answer meanwhile. The server may stop reading, answer and
     * close while the upload is still going: the writer's failure then is expected and ignored.
     */
    static Answer chunked(SdkHttpRequest signed, InputStream body) throws IOException, InterruptedException {
        try (Socket socket = connect(signed)) {
            OutputStream out = socket.getOutputStream();
            out.write(head(signed, "Transfer-Encoding: chunked"));
            Thread writer = Thread.ofPlatform().name("validation-upload").start(() -> {
                byte[] buffer = new byte[256 * 1024];
                try (body) {
                    for (int n; (n = body.readNBytes(buffer, 0, buffer.length)) > 0; ) {
                        out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(buffer, 0, n);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    // the server answered and closed before taking it all
                }
            });
            try {
                return readAnswer(socket.getInputStream());
            } finally {
                socket.close();
                writer.join(Duration.ofSeconds(60));
            }
        }
    }

    private static Socket connect(SdkHttpRequest signed) throws IOException {
        Socket socket = new Socket(signed.host(), signed.port());
        socket.setSoTimeout(120_000);
        return socket;
    }

    private static byte[] head(SdkHttpRequest signed, String framing) {
        StringBuilder head = new StringBuilder().append(signed.method().name()).append(' ')
                .append(signed.encodedPath()).append(" HTTP/1.1\r\n");
        if (signed.firstMatchingHeader("Host").isEmpty()) {
            head.append("Host: ").append(signed.host()).append(':').append(signed.port()).append("\r\n");
        }
        signed.forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("content-length") && !name.equalsIgnoreCase("transfer-encoding")) {
                values.forEach(v -> head.append(name).append(": ").append(v).append("\r\n"));
            }
        });
        head.append(framing).append("\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** A minimal HTTP/1.1 response reader: status line, headers, Content-Length body. */
    private static Answer readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream headBytes = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before the response head ended: " + headBytes);
            }
            headBytes.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = headBytes.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        String length = headers.get("content-length");
        byte[] body = length == null ? in.readAllBytes() : in.readNBytes(Integer.parseInt(length));
        return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    /**
     * A CreateFunction body whose ZipFile is the base64 of {@code zipBytes} zero bytes ("AAAA..."), produced
     * on the fly so the test never holds it: {@code zipBytes} must be a multiple of 3 (no padding).
     */
    static final class ZerosBody {
        private final byte[] prefix;
        private final long letters;
        private final byte[] suffix;

        ZerosBody(String functionName, long zipBytes) {
            if (zipBytes % 3 != 0) {
                throw new IllegalArgumentException("zipBytes must be a multiple of 3");
            }
            this.prefix = ("{\"FunctionName\":\"" + functionName + "\",\"Role\":\"" + TestServer.ROLE
                    + "\",\"Runtime\":\"provided.al2023\",\"Handler\":\"bootstrap\",\"Code\":{\"ZipFile\":\"")
                    .getBytes(StandardCharsets.UTF_8);
            this.letters = zipBytes / 3 * 4;
            this.suffix = "\"}}".getBytes(StandardCharsets.UTF_8);
        }

        long length() {
            return prefix.length + letters + suffix.length;
        }

        byte[] prefix() {
            return prefix.clone();
        }

        InputStream open() {
            return new InputStream() {
                private long position;

                @Override
                public int read() {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    long total = length();
                    if (position >= total) {
                        return -1;
                    }
                    int n = (int) Math.min(len, total - position);
                    for (int i = 0; i < n; i++) {
                        long p = position + i;
                        if (p < prefix.length) {
                            b[off + i] = prefix[(int) p];
                        } else if (p < prefix.length + letters) {
                            b[off + i] = 'A';
                        } else {
                            b[off + i] = suffix[(int) (p - prefix.length - letters)];
                        }
                    }
                    position += n;
                    return n;
                }
            };
        }

        ContentStreamProvider provider() {
            return this::open;
        }
    }
}
