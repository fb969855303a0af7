package io.kindling.worker.runtimeapi;

/**
 * The Runtime API {@code 2018-06-01} routes, resolved from method and raw path alone (a pure function, tested
 * without HTTP).
 */
sealed interface RuntimeApiRoute {
    String VERSION = "/2018-06-01";
    String INVOCATION = VERSION + "/runtime/invocation/";

    /** {@code GET /runtime/invocation/next}. */
    record Next() implements RuntimeApiRoute {}

    /** {@code POST /runtime/invocation/{requestId}/response}. */
    record InvocationResponse(String requestId) implements RuntimeApiRoute {}

    /** {@code POST /runtime/invocation/{requestId}/error}. */
    record InvocationError(String requestId) implements RuntimeApiRoute {}

    /** {@code POST /runtime/init/error}. */
    record InitError() implements RuntimeApiRoute {}

    /** {@code GET /ping}: legacy liveness check the RIE still answers. */
    record Ping() implements RuntimeApiRoute {}

    /** A Runtime API path Kindling knows but does not serve, with the reason. (404) */
    record Unsupported(String reason) implements RuntimeApiRoute {}

    /** A known path with the wrong method. (405) */
    record MethodNotAllowed(String allowed) implements RuntimeApiRoute {}

    /** Nothing here. (404) */
    record NotFound() implements RuntimeApiRoute {}

    static RuntimeApiRoute of(String method, String rawPath) {
        switch (rawPath) {
            case VERSION + "/runtime/invocation/next" -> {
                return method.equals("GET") ? new Next() : new MethodNotAllowed("GET");
            }
            case VERSION + "/runtime/init/error" -> {
                return method.equals("POST") ? new InitError() : new MethodNotAllowed("POST");
            }
            case VERSION + "/ping" -> {
                return method.equals("GET") ? new Ping() : new MethodNotAllowed("GET");
            }
            case VERSION + "/runtime/restore/next", VERSION + "/runtime/restore/error" -> {
                return new Unsupported("SnapStart is not supported: this environment was not started with"
                        + " AWS_LAMBDA_INITIALIZATION_TYPE=snap-start.");
            }
            default -> {
                return invocationRoute(method, rawPath);
            }
        }
    }

    private static RuntimeApiRoute invocationRoute(String method, String rawPath) {
        if (!rawPath.startsWith(INVOCATION)) {
            return new NotFound();
        }
        String rest = rawPath.substring(INVOCATION.length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || rest.indexOf('/', slash + 1) >= 0) {
            return new NotFound();
        }
        String requestId = rest.substring(0, slash);
        return switch (rest.substring(slash + 1)) {
            case "response" -> method.equals("POST") ? new InvocationResponse(requestId) : new MethodNotAllowed("POST");
            case "error" -> method.equals("POST") ? new InvocationError(requestId) : new MethodNotAllowed("POST");
            default -> new NotFound();
        };
    }
}
