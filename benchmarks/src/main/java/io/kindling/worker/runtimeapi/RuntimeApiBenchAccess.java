package io.kindling.worker.runtimeapi;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The micro benchmarks' way into the Runtime API's package-private hot path ({@link RuntimeApiRoute#of} and the
 * runtime-facing half of {@link RuntimeApiChannel}), so the worker's public surface stays as it is: only the
 * handler may call the runtime's side of a channel. It lives in the benchmarks module under the worker's package
 * (the benchmark runs on the class path, where a package may span jars) and adds no logic of its own: each method
 * does what {@code RuntimeApiHandler.handle} does for one request, minus HTTP.
 */
public final class RuntimeApiBenchAccess {
    private RuntimeApiBenchAccess() {}

    /** The route of one request, as the handler resolves it; the type is package-private, hence {@code Object}. */
    public static Object route(String method, String rawPath) {
        return RuntimeApiRoute.of(method, rawPath);
    }

    /** The request id a {@code POST .../{id}/response} names, or empty if {@code rawPath} is not one. */
    public static Optional<String> responseRequestId(String method, String rawPath) {
        return RuntimeApiRoute.of(method, rawPath) instanceof RuntimeApiRoute.InvocationResponse response
                ? Optional.of(response.requestId())
                : Optional.empty();
    }

    /** {@code GET /runtime/invocation/next}: the future the handler parks on. */
    public static CompletableFuture<InvocationRequest> awaitNext(RuntimeApiChannel channel) {
        return channel.awaitNext();
    }

    /**
     * {@code POST /runtime/invocation/{requestId}/response} (or {@code /error}).
     *
     * @return whether the channel accepted it (the refusal's type is package-private)
     */
    public static boolean answer(RuntimeApiChannel channel, String requestId, RuntimeOutcome outcome) {
        return channel.answer(requestId, outcome).isEmpty();
    }
}
