package io.kindling.frontend;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** Reading the parts of an {@link ApiCall} every control-plane operation reads the same way. */
final class Calls {
    private Calls() {}

    /** The FunctionName path parameter with its {@code ?Qualifier}, either of which may name the qualifier. */
    static FunctionRef qualified(ApiCall call, Arns arns) throws RequestException {
        return FunctionRef.parse(call.path("FunctionName"), true, call.query("Qualifier"), arns);
    }

    static FunctionRef unqualified(ApiCall call, Arns arns) throws RequestException {
        return FunctionRef.parse(call.path("FunctionName"), false, null, arns);
    }

    /** {@code ?MaxItems}, 50 when absent, within 1..{@code max} as the operation's model allows. */
    static int maxItems(ApiCall call, int max) throws RequestException {
        String raw = call.query("MaxItems");
        if (raw == null) {
            return Math.min(50, max);
        }
        int n;
        try {
            n = Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw new RequestException.ConstraintViolation("1 validation error detected: Value '" + raw
                    + "' at 'maxItems' failed to satisfy constraint: Member must be a number");
        }
        new Violations().range("maxItems", n, 1, max).throwIfAny();
        return n;
    }

    /** The JSON body as {@code type}; an empty body reads as {@code {}}. */
    static <T> T body(ObjectMapper json, ApiCall call, Class<T> type) throws RequestException {
        byte[] body = call.body().length == 0 ? "{}".getBytes() : call.body();
        try {
            T value = json.readValue(body, type);
            if (value == null) {
                throw new RequestException.UnparsableBody("Could not parse request body into json: the body is null");
            }
            return value;
        } catch (JacksonException e) {
            throw new RequestException.UnparsableBody("Could not parse request body into json: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new RequestException.UnparsableBody("Could not read request body: " + e.getMessage());
        }
    }
}
