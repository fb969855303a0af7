package io.kindling.frontend;

import io.kindling.registry.Registry;
import io.kindling.registry.RegistryException;
import io.kindling.wire.DeadLetterEntry;
import io.kindling.wire.QueueStatus;
import java.util.Optional;

/**
 * Kindling's queue API, which Lambda has no equivalent of (its queues are internal): {@code GET
 * /kindling/2026-11-27/queues}, a function's dead letters, and replaying them. Used by {@code kindling queues} and
 * {@code kindling dlq}.
 */
final class EventQueues {
    static final int DEFAULT_MAX_ITEMS = 100;
    static final int MAX_ITEMS = 10_000;

    private final AsyncEvents events;
    private final Registry registry;
    private final Arns arns;

    EventQueues(AsyncEvents events, Registry registry, Arns arns) {
        this.events = events;
        this.registry = registry;
        this.arns = arns;
    }

    ApiResult handle(ApiCall call) throws RequestException, RegistryException {
        return switch (call.operation()) {
            case ListQueues -> new ApiResult(200, new QueueStatus.ListQueuesResponse(events.queues()), null);
            case ListDeadLetters -> {
                String function = existingFunction(call);
                int max = maxItems(call);
                yield new ApiResult(200, new DeadLetterEntry.ListDeadLettersResponse(events.deadLetters(function, max)),
                        function);
            }
            case ReplayDeadLetters -> {
                String function = existingFunction(call);
                Optional<String> id = Optional.ofNullable(call.query("Id")).filter(s -> !s.isEmpty());
                int replayed = events.replay(function, id);
                if (id.isPresent() && replayed == 0) {
                    throw new RequestException.NotFound("No dead letter " + id.get() + " for function "
                            + arns.function(function) + ".");
                }
                yield new ApiResult(200, new DeadLetterEntry.ReplayResponse(replayed), function);
            }
            default -> throw new IllegalArgumentException(call.operation() + " is not a queue operation");
        };
    }

    private String existingFunction(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = FunctionRef.parse(call.path("FunctionName"), false, null, arns);
        registry.function(ref.name()); // a missing function is ResourceNotFoundException, as for every operation
        return ref.name();
    }

    private static int maxItems(ApiCall call) throws RequestException {
        String raw = call.query("MaxItems");
        if (raw == null) {
            return DEFAULT_MAX_ITEMS;
        }
        try {
            int value = Integer.parseInt(raw);
            new Violations().range("maxItems", value, 1, MAX_ITEMS).throwIfAny();
            return value;
        } catch (NumberFormatException e) {
            throw new RequestException.InvalidParameter("MaxItems must be a number from 1 to " + MAX_ITEMS);
        }
    }
}
