package io.kindling.frontend;

import java.util.List;
import java.util.Map;

/**
 * One authenticated, routed request, independent of the HTTP stack.
 *
 * @param headers request headers by lower-case name, first value only
 */
record ApiCall(Operation operation, Map<String, String> pathParameters, Map<String, List<String>> query,
               Map<String, String> headers, byte[] body, String requestId) {

    String path(String name) {
        return pathParameters.get(name);
    }

    /** The first value of a query parameter, or null. */
    String query(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    List<String> queryAll(String name) {
        return query.getOrDefault(name, List.of());
    }

    /** A request header's first value, or null; {@code name} in lower case. */
    String header(String name) {
        return headers.get(name);
    }
}
