package io.kindling.frontend;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Finds the operation for a method and a raw path, and its percent-decoded path parameters. */
final class Router {
    record Match(Operation operation, Map<String, String> pathParameters) {}

    private Router() {}

    /**
     * @param rawPath the path as sent, still percent-encoded; a trailing slash is ignored because
     *                the SDKs send some operations with one ({@code /2015-03-31/functions/}).
     */
    static Match route(String method, String rawPath) throws RequestException {
        return route(method, rawPath, Map.of());
    }

    /** @param query the decoded query, for the operations the model tells apart by a query parameter */
    static Match route(String method, String rawPath, Map<String, List<String>> query) throws RequestException {
        String path = rawPath.length() > 1 && rawPath.endsWith("/") ? rawPath.substring(0, rawPath.length() - 1) : rawPath;
        String[] parts = path.startsWith("/") ? path.substring(1).split("/", -1) : path.split("/", -1);
        boolean pathKnown = false;
        for (Operation op : Operation.values()) {
            Map<String, String> params = match(op.segments, parts);
            if (params != null) {
                pathKnown = true;
                if (op.method.equals(method) && hasRequiredQuery(op, query)) {
                    return new Match(op, params);
                }
            }
        }
        throw new RequestException.UnknownOperation(pathKnown
                ? "Method " + method + " is not allowed on " + rawPath
                : "No Lambda API operation matches " + method + " " + rawPath);
    }

    private static boolean hasRequiredQuery(Operation op, Map<String, List<String>> query) {
        if (op.requiredQuery == null) {
            return true;
        }
        int eq = op.requiredQuery.indexOf('=');
        return query.getOrDefault(op.requiredQuery.substring(0, eq), List.of())
                .contains(op.requiredQuery.substring(eq + 1));
    }

    private static Map<String, String> match(String[] template, String[] parts) {
        if (template.length != parts.length) {
            return null;
        }
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            if (t.startsWith("{")) {
                if (parts[i].isEmpty()) {
                    return null;
                }
                params.put(t.substring(1, t.length() - 1), PercentDecoding.decode(parts[i]));
            } else if (!t.equals(parts[i])) {
                return null;
            }
        }
        return params;
    }
}
