package io.kindling.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.util.Map;

/**
 * One POST through {@link HttpURLConnection} (the JDK class under the SDK's url-connection client)
 * the way it works by default: the body is buffered and goes out with the headers, the connection
 * comes from and returns to the JDK's keep-alive cache. This is the plain HTTP round trip.
 *
 * <p>The SDK's url-connection client instead streams bodies of known length
 * ({@code setFixedLengthStreamingMode}); for such a request on a reused connection the JDK first
 * checks that the connection is still open with a read that waits up to 1 ms, because a streamed
 * body cannot be resent. {@link RawHttpPost} measures that path.
 */
final class KeepAliveHttpPost implements ClosedLoopScenario.Call {
    /**
     * @param status        the HTTP status
     * @param functionError the {@code X-Amz-Function-Error} header, null when absent (Lambda's Invoke answers a
     *                      function's failure with 200 and this header)
     * @param body          the whole answer body
     */
    record Answer(int status, String functionError, byte[] body) {
        String bodyText() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private final URL url;
    private final byte[] body;
    private final String contentType;
    private final Map<String, String> headers;

    KeepAliveHttpPost(String url, byte[] body) throws IOException {
        this(url, body, "application/octet-stream");
    }

    KeepAliveHttpPost(String url, byte[] body, String contentType) throws IOException {
        this(url, body, contentType, Map.of());
    }

    /** With extra request headers, e.g. {@code X-Amz-Invocation-Type: Event}. */
    KeepAliveHttpPost(String url, byte[] body, String contentType, Map<String, String> headers) throws IOException {
        this.url = URI.create(url).toURL();
        this.body = body;
        this.contentType = contentType;
        this.headers = Map.copyOf(headers);
    }

    @Override
    public void run() throws Exception {
        int status = exchange().status();
        if (status != 200) {
            throw new IOException("POST " + url + " answered " + status);
        }
    }

    /** Sends the body and reads the whole answer, error bodies included. */
    Answer exchange() throws IOException {
        HttpURLConnection connection = (HttpURLConnection) url.openConnection();
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", contentType);
        headers.forEach(connection::setRequestProperty);
        try (OutputStream out = connection.getOutputStream()) {
            out.write(body);
        }
        int status = connection.getResponseCode();
        // Reading to the end and closing hands the connection back to the keep-alive cache.
        InputStream stream = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        byte[] answer;
        if (stream == null) {
            answer = new byte[0];
        } else {
            try (InputStream in = stream) {
                answer = in.readAllBytes();
            }
        }
        return new Answer(status, connection.getHeaderField("X-Amz-Function-Error"), answer);
    }
}
