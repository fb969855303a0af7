package io.kindling.bench.micro;

import io.kindling.worker.runtimeapi.InvocationRequest;
import io.kindling.worker.runtimeapi.RuntimeApiBenchAccess;
import io.kindling.worker.runtimeapi.RuntimeApiChannel;
import io.kindling.worker.runtimeapi.RuntimeApiListener;
import io.kindling.worker.runtimeapi.RuntimeOutcome;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The worker's Runtime API for one invocation, in-process and without HTTP: routing a runtime's
 * {@code GET /2018-06-01/runtime/invocation/next} and {@code POST .../{id}/response} ({@code RuntimeApiRoute.of},
 * what {@code RuntimeApiHandler} does before anything else), and the hand-off through one environment's
 * {@link RuntimeApiChannel}: the worker delivers, the runtime's {@code /next} takes it, its response completes the
 * worker's future. All on one thread, so the channel's lock is never contended.
 */
@State(Scope.Thread)
public class RuntimeApiDispatch {
    static final String NEXT = "/2018-06-01/runtime/invocation/next";

    private final String requestId = UUID.randomUUID().toString();
    private final String responsePath = "/2018-06-01/runtime/invocation/" + requestId + "/response";
    private final Map<String, String> routes = new HashMap<>();
    private RuntimeApiChannel channel;
    private InvocationRequest invocation;
    private RuntimeOutcome.Response response;

    @Setup
    public void setUp() {
        routes.put(NEXT, "next");
        routes.put("/2018-06-01/runtime/init/error", "init-error");
        routes.put("/2018-06-01/ping", "ping");
        channel = new RuntimeApiChannel("bench", RuntimeApiListener.IGNORE);
        byte[] event = "{\"message\":\"hello\"}".getBytes(StandardCharsets.UTF_8);
        invocation = new InvocationRequest(requestId, event, Long.MAX_VALUE,
                "arn:aws:lambda:us-east-1:000000000000:function:bench", "Root=1-00000000-000000000000000000000000",
                Optional.empty(), Optional.empty());
        response = new RuntimeOutcome.Response(event, "application/json");
        if (!RuntimeApiBenchAccess.responseRequestId("POST", responsePath).equals(Optional.of(requestId))) {
            throw new IllegalStateException("the response path does not route to its request id: " + responsePath);
        }
        if (handOff() != response) {
            throw new IllegalStateException("the channel did not hand the response back");
        }
    }

    @TearDown
    public void tearDown() {
        channel.close();
    }

    /** Kindling: both requests routed as the handler routes them. */
    @Benchmark
    public void route(Blackhole blackhole) {
        blackhole.consume(RuntimeApiBenchAccess.route("GET", NEXT));
        blackhole.consume(RuntimeApiBenchAccess.route("POST", responsePath));
    }

    /** Baseline: a HashMap lookup of the {@code /next} path and a {@code String.split} of the response path. */
    @Benchmark
    public void routeBaseline(Blackhole blackhole) {
        blackhole.consume(routes.get(NEXT));
        String[] parts = responsePath.split("/");
        blackhole.consume(parts[5].equals("response") ? parts[4] : null);
    }

    /**
     * Kindling: deliver, the runtime's {@code /next} (it finds the invocation queued), its response; returns what
     * the worker's future completed with.
     */
    @Benchmark
    public RuntimeOutcome handOff() {
        CompletableFuture<RuntimeOutcome> outcome = channel.deliver(invocation);
        InvocationRequest taken = RuntimeApiBenchAccess.awaitNext(channel).getNow(null);
        if (!RuntimeApiBenchAccess.answer(channel, taken.requestId(), response)) {
            throw new IllegalStateException("the channel refused the response");
        }
        return outcome.getNow(null);
    }

    /** Baseline: the least a hand-off each way needs, two futures made and completed. */
    @Benchmark
    public RuntimeOutcome handOffBaseline() {
        CompletableFuture<InvocationRequest> toRuntime = new CompletableFuture<>();
        toRuntime.complete(invocation);
        CompletableFuture<RuntimeOutcome> toWorker = new CompletableFuture<>();
        toWorker.complete(toRuntime.getNow(null) == invocation ? response : null);
        return toWorker.getNow(null);
    }
}
