package io.kindling.frontend;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.registry.EventInvokeConfig;
import io.kindling.registry.EventInvokeSettings;
import io.kindling.registry.Page;
import io.kindling.registry.Registry;
import io.kindling.registry.RegistryException;
import io.kindling.wire.Destination;
import io.kindling.wire.DestinationConfig;
import io.kindling.wire.FunctionEventInvokeConfig;
import io.kindling.wire.ListFunctionEventInvokeConfigsResponse;
import io.kindling.wire.Requests;
import java.math.BigDecimal;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s): how asynchronous invocations of a function,
 * version or alias are retried and where their results go. Runs on the request's virtual thread.
 */
final class EventInvokeConfigs {
    /** The model's pattern for DestinationConfig members: any ARN, or empty (unset). */
    static final Pattern DESTINATION = Pattern.compile(
            "^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)");
    private static final Pattern FUNCTION_ARN = Pattern.compile(
            "arn:aws[a-zA-Z-]*:lambda:(?<region>[^:]*):(?<account>\\d{12}):function:(?<name>[a-zA-Z0-9_-]{1,64})"
            + "(?::(?:\\$LATEST|[a-zA-Z0-9_-]{1,128}))?");

    private final Registry registry;
    private final Arns arns;
    private final ObjectMapper json;

    EventInvokeConfigs(Registry registry, Arns arns, ObjectMapper json) {
        this.registry = registry;
        this.arns = arns;
        this.json = json;
    }

    ApiResult handle(ApiCall call) throws RequestException, RegistryException {
        return switch (call.operation()) {
            case PutFunctionEventInvokeConfig -> put(call);
            case UpdateFunctionEventInvokeConfig -> update(call);
            case GetFunctionEventInvokeConfig -> get(call);
            case DeleteFunctionEventInvokeConfig -> delete(call);
            case ListFunctionEventInvokeConfigs -> list(call);
            default -> throw new IllegalArgumentException(call.operation() + " is not an event invoke config operation");
        };
    }

    /** Replaces the whole config: members the request leaves out are unset (Lambda's defaults apply). */
    private ApiResult put(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = Calls.qualified(call, arns);
        Requests.FunctionEventInvokeConfig r = validated(call, ref.name());
        DestinationConfig d = r.destinationConfig();
        EventInvokeSettings settings = new EventInvokeSettings(optional(r.maximumRetryAttempts()),
                optional(r.maximumEventAgeInSeconds()), destination(d == null ? null : d.onSuccess()),
                destination(d == null ? null : d.onFailure()));
        EventInvokeConfig config = registry.putEventInvokeConfig(ref.name(), ref.qualifier(), settings);
        return new ApiResult(200, render(config), ref.name());
    }

    /** Merges into the existing config: only the members the request names change. */
    private ApiResult update(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = Calls.qualified(call, arns);
        Requests.FunctionEventInvokeConfig r = validated(call, ref.name());
        DestinationConfig d = r.destinationConfig();
        EventInvokeConfig config = registry.updateEventInvokeConfig(ref.name(), ref.qualifier(), s -> new EventInvokeSettings(
                r.maximumRetryAttempts() == null ? s.maximumRetryAttempts() : optional(r.maximumRetryAttempts()),
                r.maximumEventAgeInSeconds() == null ? s.maximumEventAgeSeconds() : optional(r.maximumEventAgeInSeconds()),
                d == null || d.onSuccess() == null ? s.onSuccess() : destination(d.onSuccess()),
                d == null || d.onFailure() == null ? s.onFailure() : destination(d.onFailure())));
        return new ApiResult(200, render(config), ref.name());
    }

    private ApiResult get(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = Calls.qualified(call, arns);
        return new ApiResult(200, render(registry.getEventInvokeConfig(ref.name(), ref.qualifier())), ref.name());
    }

    private ApiResult delete(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = Calls.qualified(call, arns);
        registry.deleteEventInvokeConfig(ref.name(), ref.qualifier());
        return new ApiResult(204, null, ref.name());
    }

    private ApiResult list(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = Calls.unqualified(call, arns);
        Page<EventInvokeConfig> page = registry.listEventInvokeConfigs(ref.name(), call.query("Marker"),
                Calls.maxItems(call, 50));
        return new ApiResult(200, new ListFunctionEventInvokeConfigsResponse(
                page.items().stream().map(this::render).toList(), page.nextMarker().orElse(null)), ref.name());
    }

    private Requests.FunctionEventInvokeConfig validated(ApiCall call, String function) throws RequestException {
        Requests.FunctionEventInvokeConfig r = Calls.body(json, call, Requests.FunctionEventInvokeConfig.class);
        DestinationConfig d = r.destinationConfig();
        String onSuccess = d == null || d.onSuccess() == null ? null : d.onSuccess().destination();
        String onFailure = d == null || d.onFailure() == null ? null : d.onFailure().destination();
        new Violations().range("maximumRetryAttempts", r.maximumRetryAttempts(), 0, 2)
                .range("maximumEventAgeInSeconds", r.maximumEventAgeInSeconds(), 60, 21600)
                .length("destinationConfig.onSuccess.destination", onSuccess, 0, 350)
                .pattern("destinationConfig.onSuccess.destination", onSuccess, DESTINATION)
                .length("destinationConfig.onFailure.destination", onFailure, 0, 350)
                .pattern("destinationConfig.onFailure.destination", onFailure, DESTINATION)
                .throwIfAny();
        if (r.maximumRetryAttempts() == null && r.maximumEventAgeInSeconds() == null && d == null) {
            throw new RequestException.InvalidParameter("You must specify at least one of error handling or"
                    + " destination setting.");
        }
        checkDestination(onSuccess, function);
        checkDestination(onFailure, function);
        return r;
    }

    /**
     * Kindling delivers invocation records to its own functions only: it runs no SQS, SNS, EventBridge
     * or S3, so an ARN of those (or a function of another region or account) could never be delivered.
     */
    private void checkDestination(String arn, String function) throws RequestException {
        if (arn == null || arn.isEmpty()) {
            return;
        }
        Matcher m = FUNCTION_ARN.matcher(arn);
        String example = arns.function("NAME") + "[:QUALIFIER]";
        if (!m.matches()) {
            String service = arn.split(":", -1).length > 2 ? arn.split(":", -1)[2] : "";
            String what = switch (service) {
                case "sqs" -> "an SQS queue";
                case "sns" -> "an SNS topic";
                case "events" -> "an EventBridge event bus";
                case "s3" -> "an S3 bucket";
                default -> "not a Lambda function";
            };
            throw new RequestException.InvalidParameter("The destination ARN " + arn + " is " + what + ": Kindling"
                    + " delivers asynchronous invocation records only to Kindling functions (" + example + ").");
        }
        if (!m.group("region").equals(arns.region()) || !m.group("account").equals(arns.accountId())) {
            throw new RequestException.InvalidParameter("The destination ARN " + arn + " names a function of another"
                    + " region or account: Kindling delivers asynchronous invocation records only to its own functions ("
                    + example + ").");
        }
        if (m.group("name").equals(function)) {
            throw new RequestException.InvalidParameter("You can't specify the function as a destination for itself.");
        }
    }

    private FunctionEventInvokeConfig render(EventInvokeConfig c) {
        return new FunctionEventInvokeConfig(BigDecimal.valueOf(c.lastModified().toEpochMilli(), 3),
                arns.function(c.functionName(), c.qualifier()),
                c.maximumRetryAttempts().isPresent() ? c.maximumRetryAttempts().getAsInt() : null,
                c.maximumEventAgeSeconds().isPresent() ? c.maximumEventAgeSeconds().getAsInt() : null,
                new DestinationConfig(new Destination(c.onSuccess().orElse(null)), new Destination(c.onFailure().orElse(null))));
    }

    private static OptionalInt optional(Integer value) {
        return value == null ? OptionalInt.empty() : OptionalInt.of(value);
    }

    /** An empty or absent Destination unsets it, as the model's {@code ^$} alternative allows. */
    private static Optional<String> destination(Destination d) {
        return d == null || d.destination() == null || d.destination().isEmpty() ? Optional.empty()
                : Optional.of(d.destination());
    }
}
