package io.kindling.frontend.auth;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SigV4 canonical request: the text both sides hash, so it must match the client's byte for
 * byte. Built from the request as it came off the wire, never from decoded or re-routed values.
 */
final class CanonicalRequest {
    private CanonicalRequest() {}

    static String of(String method, String rawPath, List<QueryParameter> signedQuery,
            RequestHeaders headers, List<String> signedHeaders, String payloadHash) {
        return method + '\n'
                + canonicalUri(rawPath) + '\n'
                + canonicalQuery(signedQuery) + '\n'
                + canonicalHeaders(headers, signedHeaders) + '\n'
                + String.join(";", signedHeaders) + '\n'
                + payloadHash;
    }

    /**
     * Removes {@code .} and {@code ..} segments and empty segments ({@code //}), as every service
     * but S3 does, then URI-encodes each segment of the path exactly as it was sent. The SDKs sign
     * the path they put on the wire, which is already percent-encoded, so a function ARN's
     * {@code %3A} appears here as {@code %253A}: encoded twice, which is what AWS specifies.
     */
    static String canonicalUri(String rawPath) {
        if (rawPath.isEmpty()) {
            return "/";
        }
        String[] segments = rawPath.split("/", -1);
        Deque<String> kept = new ArrayDeque<>();
        for (String segment : segments) {
            switch (segment) {
                case "", "." -> { }
                case ".." -> kept.pollLast();
                default -> kept.addLast(segment);
            }
        }
        if (kept.isEmpty()) {
            return "/";
        }
        String last = segments[segments.length - 1];
        boolean endsAsDirectory = last.isEmpty() || last.equals(".") || last.equals("..");
        return kept.stream().map(s -> UriEncoding.encode(s, false))
                .collect(Collectors.joining("/", "/", endsAsDirectory ? "/" : ""));
    }

    /** Parameters re-encoded one way, sorted by encoded name then encoded value. */
    static String canonicalQuery(List<QueryParameter> parameters) {
        return parameters.stream()
                .map(p -> new String[] {p.canonicalName(), p.canonicalValue()})
                .sorted(Comparator.<String[], String>comparing(p -> p[0]).thenComparing(p -> p[1]))
                .map(p -> p[0] + '=' + p[1])
                .collect(Collectors.joining("&"));
    }

    /** One {@code name:value} line per signed header, each ending in a newline. */
    static String canonicalHeaders(RequestHeaders headers, List<String> signedHeaders) {
        StringBuilder out = new StringBuilder();
        for (String name : signedHeaders) {
            out.append(name).append(':');
            List<String> values = headers.all(name);
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                appendTrimmed(out, values.get(i));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** Appends the value without leading or trailing whitespace and with inner runs as one space. */
    private static void appendTrimmed(StringBuilder out, String value) {
        boolean pendingSpace = false;
        boolean wroteAny = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (isWhitespace(c)) {
                pendingSpace = wroteAny;
            } else {
                if (pendingSpace) {
                    out.append(' ');
                    pendingSpace = false;
                }
                out.append(c);
                wroteAny = true;
            }
        }
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\u000B' || c == '\f';
    }
}
