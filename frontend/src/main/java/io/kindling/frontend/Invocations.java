package io.kindling.frontend;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.kindling.counting.ConcurrencyCounter;
import io.kindling.counting.Lease;
import io.kindling.counting.Throttled;
import io.kindling.registry.FunctionVersion;
import io.kindling.registry.Registry;
import io.kindling.registry.RegistryException;
import io.kindling.registry.VersionStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Invoke operation: headers and body checked as Lambda checks them, the qualifier resolved, the version's state
 * checked, then the {@link Invoker} runs it. The answer is the function's raw payload with Lambda's headers.
 */
final class Invocations {
    static final List<String> INVOCATION_TYPES = List.of("Event", "RequestResponse", "DryRun");
    static final List<String> LOG_TYPES = List.of("None", "Tail");
    /** Lambda's limit on the base64 text of {@code X-Amz-Client-Context}. */
    static final int MAX_CLIENT_CONTEXT = 3583;

    /** InvokeAsync's answer, always. */
    private static final byte[] INVOKE_ASYNC_ACCEPTED = "{\"Status\":202}".getBytes(StandardCharsets.UTF_8);

    private final Registry registry;
    private final Invoker invoker;
    private final AsyncEvents events;
    private final ConcurrencyCounter counter;
    private final Arns arns;
    private final JsonFactory json;

    Invocations(Registry registry, Invoker invoker, AsyncEvents events, ConcurrencyCounter counter, Arns arns,
                JsonFactory json) {
        this.registry = registry;
        this.invoker = invoker;
        this.events = events;
        this.counter = counter;
        this.arns = arns;
        this.json = json;
    }

    ApiResult invoke(ApiCall call) throws RequestException, RegistryException, Invoker.InvokeRefused,
            AsyncEvents.Refused, Throttled, InterruptedException {
        String invocationType = Optional.ofNullable(call.header("x-amz-invocation-type")).orElse("RequestResponse");
        String logType = Optional.ofNullable(call.header("x-amz-log-type")).orElse("None");
        String rawClientContext = call.header("x-amz-client-context");
        new Violations()
                .oneOf("invocationType", invocationType, INVOCATION_TYPES)
                .oneOf("logType", logType, LOG_TYPES)
                .throwIfAny();
        FunctionRef ref = FunctionRef.parse(call.path("FunctionName"), true, call.query("Qualifier"), arns);
        FunctionVersion version = registry.resolve(ref.name(), ref.qualifier());
        if (invocationType.equals("Event")) {
            return enqueue(call, ref, version, 202, null);
        }
        Optional<String> clientContext = clientContext(rawClientContext);
        requireJson(call.body());
        requireRunnable(version, ref);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Amz-Executed-Version", version.version());
        if (invocationType.equals("DryRun")) {
            return ApiResult.raw(204, null, null, headers, ref.name());
        }
        String invokedArn = arns.function(ref.name(), ref.qualifier());
        Invoker.Result result;
        // Refused at once over a limit, never queued: the caller's SDK retries a 429 with backoff.
        try (Lease lease = counter.acquire(ref.name())) {
            result = invoker.invoke(version, new Invoker.Request(call.body(), invokedArn, clientContext,
                    logType.equals("Tail"), call.requestId()));
        }
        result.functionError().ifPresent(error -> headers.put("X-Amz-Function-Error", error));
        if (logType.equals("Tail")) {
            result.logTail().ifPresent(tail -> headers.put("X-Amz-Log-Result", Base64.getEncoder().encodeToString(tail)));
        }
        return ApiResult.raw(200, result.payload(), "application/json", headers, ref.name());
    }

    /** The deprecated {@code InvokeAsync}: an Event invocation under another name and answer. */
    ApiResult invokeAsync(ApiCall call) throws RequestException, RegistryException, AsyncEvents.Refused,
            InterruptedException {
        FunctionRef ref = FunctionRef.parse(call.path("FunctionName"), true, call.query("Qualifier"), arns);
        FunctionVersion version = registry.resolve(ref.name(), ref.qualifier());
        return enqueue(call, ref, version, 202, INVOKE_ASYNC_ACCEPTED);
    }

    /**
     * Lambda's Event invocation: checked as a synchronous one would be, then stored durably before the 202. A
     * function over its concurrency is no reason to refuse: the event waits in its queue.
     */
    private ApiResult enqueue(ApiCall call, FunctionRef ref, FunctionVersion version, int status, byte[] answer)
            throws RequestException, AsyncEvents.Refused, InterruptedException {
        byte[] payload = call.body();
        if (payload.length > Operation.Limits.ASYNC_INVOKE_BODY) {
            throw new RequestException.TooLarge(payload.length + " byte payload is too large for the Event "
                    + "invocation type (limit " + Operation.Limits.ASYNC_INVOKE_BODY + " bytes)");
        }
        requireJson(payload);
        requireRunnable(version, ref);
        String qualifier = ref.qualifier() == null ? FunctionVersion.LATEST : ref.qualifier();
        events.accept(new AsyncEvents.Event(call.requestId(), ref.name(), qualifier, payload));
        return ApiResult.raw(status, answer, answer == null ? null : "application/json", Map.of(), ref.name());
    }

    /** Lambda accepts any JSON value, or nothing at all. */
    private void requireJson(byte[] body) throws RequestException {
        if (body.length == 0) {
            return;
        }
        try (JsonParser parser = json.createParser(body)) {
            if (parser.nextToken() == null) {
                return; // only whitespace
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw new RequestException.UnparsableBody("Could not parse request body into json: Could not parse "
                        + "payload into json: Unexpected content after the end of the JSON value");
            }
        } catch (JsonProcessingException e) {
            throw new RequestException.UnparsableBody("Could not parse request body into json: Could not parse "
                    + "payload into json: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalStateException("reading a byte array cannot fail", e);
        }
    }

    /** Base64 of a JSON object, decoded here so the runtime gets the JSON itself. */
    private Optional<String> clientContext(String raw) throws RequestException {
        if (raw == null) {
            return Optional.empty();
        }
        if (raw.length() > MAX_CLIENT_CONTEXT) {
            throw new RequestException.InvalidParameter("Client context must be at most " + MAX_CLIENT_CONTEXT
                    + " bytes of base64-encoded JSON.");
        }
        try {
            byte[] decoded = Base64.getDecoder().decode(raw);
            String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(decoded)).toString();
            try (JsonParser parser = json.createParser(text)) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    throw new IllegalArgumentException("not a JSON object");
                }
                parser.skipChildren();
                if (parser.nextToken() != null) {
                    throw new IllegalArgumentException("content after the JSON object");
                }
            }
            return Optional.of(text);
        } catch (IllegalArgumentException | IOException e) {
            // Not base64, not UTF-8 (CharacterCodingException is an IOException), or not one JSON object.
            throw new RequestException.UnparsableBody("Client context must be a valid Base64-encoded JSON object.");
        }
    }

    private void requireRunnable(FunctionVersion version, FunctionRef ref) throws RequestException {
        VersionStatus status = version.status();
        if (status.invocable()) {
            return;
        }
        if (status.state() != VersionStatus.State.Active) {
            throw new RequestException.Conflict("The operation cannot be performed at this time. The function is "
                    + "currently in the following state: " + status.state());
        }
        throw new RequestException.Conflict("The operation cannot be performed at this time. An update is in "
                + "progress for resource: " + arns.function(ref.name()));
    }
}
