package io.kindling.frontend.auth;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A request in the test suite's text form ({@code METHOD URI HTTP/1.1}, header lines, a blank
 * line, the body), parsed the way a server would see it on the wire.
 *
 * @param headers name and value pairs in file order; an indented line is another value of the
 *                header above it, which is how the suite reads folded headers
 */
record RawRequestFile(String method, String rawPath, String rawQuery, List<Map.Entry<String, String>> headers,
        byte[] body) {

    static RawRequestFile parse(String text) {
        String[] lines = text.split("\n", -1);
        String requestLine = lines[0];
        int firstSpace = requestLine.indexOf(' ');
        // The URI itself may contain spaces (get-space), so the protocol is cut from the end.
        int protocol = requestLine.lastIndexOf(" HTTP/");
        String uri = requestLine.substring(firstSpace + 1, protocol);
        int question = uri.indexOf('?');
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        int i = 1;
        for (; i < lines.length && !lines[i].isEmpty(); i++) {
            String line = lines[i];
            if (Character.isWhitespace(line.charAt(0))) {
                headers.add(Map.entry(headers.getLast().getKey(), line));
            } else {
                int colon = line.indexOf(':');
                headers.add(Map.entry(line.substring(0, colon), line.substring(colon + 1)));
            }
        }
        String body = i + 1 < lines.length ? String.join("\n", List.of(lines).subList(i + 1, lines.length)) : "";
        return new RawRequestFile(
                requestLine.substring(0, firstSpace),
                question < 0 ? uri : uri.substring(0, question),
                question < 0 ? null : uri.substring(question + 1),
                List.copyOf(headers),
                body.getBytes(StandardCharsets.UTF_8));
    }

    static String resource(String path) {
        try (InputStream in = RawRequestFile.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    RequestHeaders requestHeaders() {
        RequestHeaders.Builder builder = RequestHeaders.builder();
        headers.forEach(header -> builder.add(header.getKey(), header.getValue()));
        return builder.build();
    }

    SignedRequest toSignedRequest() {
        return new SignedRequest(method, rawPath, rawQuery, requestHeaders(), SignedRequest.sha256Hex(body));
    }
}
