package io.kindling.frontend.auth;

import java.util.ArrayList;
import java.util.List;

/**
 * One {@code name=value} pair of a raw query string, kept as sent so that it can be both read
 * (decoded) and canonicalised (decoded, then re-encoded the one way SigV4 accepts).
 *
 * @param rawName  the name as sent, still percent-encoded
 * @param rawValue the value as sent, still percent-encoded; empty for {@code name} and {@code name=}
 */
record QueryParameter(String rawName, String rawValue) {

    /** Splits on {@code &}, then on the first {@code =}; empty pieces ({@code a&&b}) are dropped. */
    static List<QueryParameter> parse(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return List.of();
        }
        List<QueryParameter> parameters = new ArrayList<>();
        for (String piece : rawQuery.split("&", -1)) {
            if (piece.isEmpty()) {
                continue;
            }
            int equals = piece.indexOf('=');
            parameters.add(equals < 0
                    ? new QueryParameter(piece, "")
                    : new QueryParameter(piece.substring(0, equals), piece.substring(equals + 1)));
        }
        return List.copyOf(parameters);
    }

    String name() {
        return UriEncoding.decodeToString(rawName);
    }

    String value() {
        return UriEncoding.decodeToString(rawValue);
    }

    String canonicalName() {
        return UriEncoding.encode(UriEncoding.decode(rawName), false);
    }

    String canonicalValue() {
        return UriEncoding.encode(UriEncoding.decode(rawValue), false);
    }
}
