package io.kindling.frontend;

import io.kindling.wire.FunctionLogEvents;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code GET /kindling/2026-11-27/functions/{FunctionName}/logs?tail=N&limit=N&from=TOKEN&wait=SECONDS}: Kindling's
 * replacement for reading {@code /aws/lambda/<function>} from CloudWatch Logs, used by {@code kindling logs}.
 */
final class FunctionLogs {
    static final int DEFAULT_TAIL = 100;
    static final int MAX_LIMIT = 10_000;
    static final int MAX_WAIT_SECONDS = 20;

    private final FunctionLogReader reader;
    private final io.kindling.registry.Registry registry;
    private final Arns arns;

    FunctionLogs(FunctionLogReader reader, io.kindling.registry.Registry registry, Arns arns) {
        this.reader = reader;
        this.registry = registry;
        this.arns = arns;
    }

    ApiResult read(ApiCall call) throws RequestException, io.kindling.registry.RegistryException, IOException,
            InterruptedException {
        FunctionRef ref = FunctionRef.parse(call.path("FunctionName"), false, null, arns);
        registry.function(ref.name()); // a missing function is ResourceNotFoundException, as for every operation
        int tail = number(call, "tail", DEFAULT_TAIL, 0, MAX_LIMIT);
        int limit = number(call, "limit", MAX_LIMIT, 1, MAX_LIMIT);
        int wait = number(call, "wait", 0, 0, MAX_WAIT_SECONDS);
        try {
            FunctionLogEvents page = reader.read(ref.name(), Optional.ofNullable(call.query("from")), tail, limit,
                    Duration.ofSeconds(wait));
            return new ApiResult(200, page, ref.name());
        } catch (IllegalArgumentException e) {
            throw new RequestException.InvalidParameter("The from token is not valid: " + e.getMessage());
        }
    }

    private static int number(ApiCall call, String name, int fallback, int min, int max) throws RequestException {
        String raw = call.query(name);
        if (raw == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw);
            new Violations().range(name, value, min, max).throwIfAny();
            return value;
        } catch (NumberFormatException e) {
            throw new RequestException.InvalidParameter(name + " must be a number from " + min + " to " + max);
        }
    }
}
