package io.kindling.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** A plain GET of Kindling's own API ({@code /kindling/2026-11-27/...}) from a server running with {@code --auth none}. */
final class KindlingGet {
    private KindlingGet() {}

    /** The answer's body; anything but 200 is an IOException with the server's answer. */
    static byte[] body(String endpoint, String path) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(endpoint + path).toURL().openConnection();
        int status = connection.getResponseCode();
        InputStream stream = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        byte[] body;
        try (InputStream in = stream) {
            body = in == null ? new byte[0] : in.readAllBytes();
        }
        if (status != 200) {
            throw new IOException("GET " + path + " answered " + status + ": " + new String(body, StandardCharsets.UTF_8));
        }
        return body;
    }
}
