package io.kindling.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;

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
    private final URL url;
    private final byte[] body;

    KeepAliveHttpPost(String url, byte[] body) throws IOException {
        this.url = URI.create(url).toURL();
        this.body = body;
    }

    @Override
    public void run() throws Exception {
        HttpURLConnection connection = (HttpURLConnection) url.openConnection();
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", "application/octet-stream");
        try (OutputStream out = connection.getOutputStream()) {
            out.write(body);
        }
        int status = connection.getResponseCode();
        // Reading to the end and closing hands the connection back to the keep-alive cache.
        try (InputStream in = connection.getInputStream()) {
            in.readAllBytes();
        }
        if (status != 200) {
            throw new IOException("POST " + url + " answered " + status);
        }
    }
}
