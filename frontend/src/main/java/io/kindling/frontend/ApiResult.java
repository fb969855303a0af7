package io.kindling.frontend;

import java.util.Map;

/**
 * What an operation answers: the status and either a wire record (serialized as JSON; null for an empty body) or raw
 * bytes with their content type (an invocation's payload), extra response headers, and the function the request was
 * about, for the request log.
 */
record ApiResult(int status, Object body, byte[] raw, String contentType, Map<String, String> headers,
                 String function) {

    ApiResult(int status, Object body, String function) {
        this(status, body, null, null, Map.of(), function);
    }

    static ApiResult raw(int status, byte[] raw, String contentType, Map<String, String> headers, String function) {
        return new ApiResult(status, null, raw, contentType, Map.copyOf(headers), function);
    }
}
